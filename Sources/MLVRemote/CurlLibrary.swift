import CCurl

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// libcurl, opened with dlopen the first time an S3 request is sent. Linking it (as
/// Foundation's URLSession did) made every mlv command load it and ~20 libraries under it
/// at start-up; opened on demand, only S3 transfers pay, once.
final class CurlLibrary: @unchecked Sendable {
  // @unchecked: every stored property is immutable after init; libcurl's easy functions
  // are thread-safe on distinct handles once curl_global_init has run (done in `load`).
  private let globalInit: UnsafeMutableRawPointer
  private let easyInit: UnsafeMutableRawPointer
  private let easyCleanup: UnsafeMutableRawPointer
  private let easyReset: UnsafeMutableRawPointer
  private let easyPerform: UnsafeMutableRawPointer
  private let easySetopt: UnsafeMutableRawPointer
  private let easyGetinfo: UnsafeMutableRawPointer
  private let easyStrerror: UnsafeMutableRawPointer
  private let slistAppend: UnsafeMutableRawPointer
  private let slistFreeAll: UnsafeMutableRawPointer

  /// The sonames tried in order: OpenSSL's flavour (Debian's libcurl4), then GnuTLS's
  /// (libcurl3-gnutls, which git's Debian package depends on, so it is there wherever git is).
  static let candidates = ["libcurl.so.4", "libcurl-gnutls.so.4"]

  /// The process's libcurl, or why none could be opened. Swift initializes a static once,
  /// thread-safely, so curl_global_init runs once, before any handle exists.
  static let shared: Result<CurlLibrary, RemoteError> = load(candidates)

  static func load(_ names: [String]) -> Result<CurlLibrary, RemoteError> {
    var reasons: [String] = []
    for name in names {
      guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
        reasons.append(dlerror().map { String(cString: $0) } ?? "\(name): cannot be opened")
        continue
      }
      if let library = CurlLibrary(handle: handle) {
        guard mlv_curl_global_init(library.globalInit, Int(MLV_CURL_GLOBAL_ALL)) == MLV_CURLE_OK else {
          reasons.append("\(name): curl_global_init failed")
          continue
        }
        return .success(library)
      }
      reasons.append("\(name): lacks curl_easy_* functions")
      dlclose(handle)
    }
    return .failure(
      .libraryUnavailable(library: "libcurl", detail: reasons.joined(separator: "; "), package: "libcurl4"))
  }

  private init?(handle: UnsafeMutableRawPointer) {
    func symbol(_ name: String) -> UnsafeMutableRawPointer? { dlsym(handle, name) }
    guard let globalInit = symbol("curl_global_init"), let easyInit = symbol("curl_easy_init"),
      let easyCleanup = symbol("curl_easy_cleanup"), let easyReset = symbol("curl_easy_reset"),
      let easyPerform = symbol("curl_easy_perform"), let easySetopt = symbol("curl_easy_setopt"),
      let easyGetinfo = symbol("curl_easy_getinfo"), let easyStrerror = symbol("curl_easy_strerror"),
      let slistAppend = symbol("curl_slist_append"), let slistFreeAll = symbol("curl_slist_free_all")
    else { return nil }
    self.globalInit = globalInit
    self.easyInit = easyInit
    self.easyCleanup = easyCleanup
    self.easyReset = easyReset
    self.easyPerform = easyPerform
    self.easySetopt = easySetopt
    self.easyGetinfo = easyGetinfo
    self.easyStrerror = easyStrerror
    self.slistAppend = slistAppend
    self.slistFreeAll = slistFreeAll
  }

  // Thin typed calls; a handle is curl's opaque CURL *, a list its curl_slist *.

  func makeHandle() -> UnsafeMutableRawPointer? { mlv_curl_easy_init(easyInit) }
  func cleanup(_ handle: UnsafeMutableRawPointer) { mlv_curl_easy_cleanup(easyCleanup, handle) }
  /// Clears every option but keeps the handle's open connections (keep-alive) and caches.
  func reset(_ handle: UnsafeMutableRawPointer) { mlv_curl_easy_reset(easyReset, handle) }
  func perform(_ handle: UnsafeMutableRawPointer) -> Int32 { mlv_curl_easy_perform(easyPerform, handle) }

  @discardableResult
  func set(_ handle: UnsafeMutableRawPointer, _ option: Int32, _ value: Int) -> Int32 {
    mlv_curl_setopt_long(easySetopt, handle, option, value)
  }
  @discardableResult
  func set(_ handle: UnsafeMutableRawPointer, _ option: Int32, pointer: UnsafeRawPointer?) -> Int32 {
    mlv_curl_setopt_pointer(easySetopt, handle, option, pointer)
  }
  @discardableResult
  func set(_ handle: UnsafeMutableRawPointer, _ option: Int32, offset: Int64) -> Int32 {
    mlv_curl_setopt_off_t(easySetopt, handle, option, offset)
  }
  @discardableResult
  func set(_ handle: UnsafeMutableRawPointer, _ option: Int32, write: mlv_curl_write_cb) -> Int32 {
    mlv_curl_setopt_write_cb(easySetopt, handle, option, write)
  }
  @discardableResult
  func set(_ handle: UnsafeMutableRawPointer, _ option: Int32, progress: mlv_curl_xferinfo_cb) -> Int32 {
    mlv_curl_setopt_xferinfo_cb(easySetopt, handle, option, progress)
  }
  /// Copies the string into curl (it keeps its own copy of every string option).
  @discardableResult
  func set(_ handle: UnsafeMutableRawPointer, _ option: Int32, string: String) -> Int32 {
    string.withCString { mlv_curl_setopt_pointer(easySetopt, handle, option, $0) }
  }

  func responseCode(_ handle: UnsafeMutableRawPointer) -> Int {
    var code = 0
    return mlv_curl_getinfo_long(easyGetinfo, handle, Int32(MLV_CURLINFO_RESPONSE_CODE), &code) == MLV_CURLE_OK
      ? code : 0
  }

  func describe(_ code: Int32) -> String {
    mlv_curl_easy_strerror(easyStrerror, code).map { String(cString: $0) } ?? "curl error \(code)"
  }

  /// Appends "Name: value" lines to a header list (nil starts one); nil when curl is out of memory.
  func append(_ list: UnsafeMutableRawPointer?, _ line: String) -> UnsafeMutableRawPointer? {
    line.withCString { mlv_curl_slist_append(slistAppend, list, $0) }
  }
  func free(_ list: UnsafeMutableRawPointer?) {
    if let list { mlv_curl_slist_free_all(slistFreeAll, list) }
  }
}
