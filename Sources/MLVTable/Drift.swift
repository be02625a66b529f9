import Foundation

/// Drift metrics between two versions of a column. Numeric metrics work on the
/// quantile sketches' weighted samples, categorical ones on the category counts.
enum DriftMath {
  /// Population Stability Index over 10 bins cut at the old version's deciles:
  /// Σ (new% − old%) · ln(new% / old%), with empty bins floored at 1e-4.
  static func psi(old: WeightedSample, new: WeightedSample) -> Double {
    guard !old.isEmpty, !new.isEmpty else { return 0 }
    var edges: [Double] = []
    for d in 1..<10 {
      if let q = old.quantile(Double(d) / 10), edges.last != q { edges.append(q) }
    }
    var sum = 0.0
    var prevOld = 0.0
    var prevNew = 0.0
    for i in 0...edges.count {
      let co = i < edges.count ? old.cdf(edges[i]) : 1
      let cn = i < edges.count ? new.cdf(edges[i]) : 1
      let po = max(co - prevOld, 1e-4)
      let pn = max(cn - prevNew, 1e-4)
      sum += (pn - po) * log(pn / po)
      prevOld = co
      prevNew = cn
    }
    return sum
  }

  /// Two-sample Kolmogorov–Smirnov statistic D (largest CDF gap, checked at every
  /// retained value of both samples) and its asymptotic p-value for sizes n and m.
  static func ks(old: WeightedSample, new: WeightedSample, n: Int, m: Int) -> (d: Double, p: Double) {
    guard !old.isEmpty, !new.isEmpty, n > 0, m > 0 else { return (0, 1) }
    var d = 0.0
    for x in old.values { d = max(d, abs(old.cdf(x) - new.cdf(x))) }
    for x in new.values { d = max(d, abs(old.cdf(x) - new.cdf(x))) }
    let en = (Double(n) * Double(m) / Double(n + m)).squareRoot()
    return (d, kolmogorovQ((en + 0.12 + 0.11 / en) * d))
  }

  /// Survival function of the Kolmogorov distribution: 2 Σ (−1)^(j−1) e^(−2 j² λ²).
  static func kolmogorovQ(_ lambda: Double) -> Double {
    if lambda < 1e-3 { return 1 }
    var sum = 0.0
    var sign = 1.0
    for j in 1...200 {
      let term = sign * exp(-2 * Double(j * j) * lambda * lambda)
      sum += term
      if abs(term) < 1e-12 { break }
      sign = -sign
    }
    return min(max(2 * sum, 0), 1)
  }

  /// Jensen–Shannon distance (base 2, in [0, 1]) between two count vectors.
  static func jsDistance(_ a: [Double], _ b: [Double]) -> Double {
    let sa = a.reduce(0, +)
    let sb = b.reduce(0, +)
    guard sa > 0, sb > 0 else { return 0 }
    var js = 0.0
    for i in 0..<a.count {
      let p = a[i] / sa
      let q = b[i] / sb
      let m = (p + q) / 2
      if p > 0 { js += 0.5 * p * log2(p / m) }
      if q > 0 { js += 0.5 * q * log2(q / m) }
    }
    return max(js, 0).squareRoot()
  }

  /// Chi-square test of homogeneity on a 2×k table; returns the p-value.
  static func chiSquarePValue(_ a: [Double], _ b: [Double]) -> Double {
    let sa = a.reduce(0, +)
    let sb = b.reduce(0, +)
    let total = sa + sb
    guard sa > 0, sb > 0 else { return 1 }
    var stat = 0.0
    var k = 0
    for i in 0..<a.count {
      let col = a[i] + b[i]
      if col == 0 { continue }
      k += 1
      let ea = sa * col / total
      let eb = sb * col / total
      stat += (a[i] - ea) * (a[i] - ea) / ea + (b[i] - eb) * (b[i] - eb) / eb
    }
    guard k > 1 else { return 1 }
    return gammaQ(Double(k - 1) / 2, stat / 2)
  }

  /// Regularized upper incomplete gamma Q(a, x) (series below a+1, continued fraction
  /// above, as in Numerical Recipes).
  static func gammaQ(_ a: Double, _ x: Double) -> Double {
    if x <= 0 { return 1 }
    let gln = logGamma(a)
    if x < a + 1 {
      var ap = a
      var sum = 1 / a
      var del = sum
      for _ in 0..<1000 {
        ap += 1
        del *= x / ap
        sum += del
        if abs(del) < abs(sum) * 1e-15 { break }
      }
      return max(0, min(1, 1 - sum * exp(-x + a * log(x) - gln)))
    }
    let tiny = 1e-300
    var b = x + 1 - a
    var c = 1 / tiny
    var d = 1 / b
    var h = d
    for i in 1..<1000 {
      let an = -Double(i) * (Double(i) - a)
      b += 2
      d = an * d + b
      if abs(d) < tiny { d = tiny }
      c = b + an / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      let del = d * c
      h *= del
      if abs(del - 1) < 1e-15 { break }
    }
    return max(0, min(1, exp(-x + a * log(x) - gln) * h))
  }

  /// ln Γ(x) by the Lanczos approximation (g = 7, 9 terms); written out because
  /// `lgamma` is ambiguous between Glibc and Foundation on Linux.
  static func logGamma(_ x: Double) -> Double {
    let c: [Double] = [
      0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
      -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
      1.5056327351493116e-7,
    ]
    if x < 0.5 { return log(Double.pi / abs(sin(Double.pi * x))) - logGamma(1 - x) }
    let z = x - 1
    var sum = c[0]
    for i in 1..<9 { sum += c[i] / (z + Double(i)) }
    let t = z + 7.5
    return 0.5 * log(2 * Double.pi) + (z + 0.5) * log(t) - t + log(sum)
  }

  /// Bin counts of both samples over [lower, upper] in `bins` equal bins.
  static func histogram(
    old: WeightedSample, oldCount: Int, new: WeightedSample, newCount: Int,
    lower: Double, upper: Double, bins: Int = 20
  ) -> Histogram {
    let nb = upper > lower ? bins : 1
    let width = (upper - lower) / Double(nb)
    func counts(_ s: WeightedSample, _ n: Int) -> [Int] {
      guard !s.isEmpty else { return [Int](repeating: 0, count: nb) }
      var out: [Int] = []
      var prev = 0.0
      for i in 0..<nb {
        let c = i == nb - 1 ? 1.0 : s.cdf(lower + width * Double(i + 1))
        out.append(Int(((c - prev) * Double(n)).rounded()))
        prev = c
      }
      return out
    }
    return Histogram(lower: lower, upper: upper, old: counts(old, oldCount), new: counts(new, newCount))
  }
}
