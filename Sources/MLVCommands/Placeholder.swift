public enum MLVMain {
  public static func main() { print("mlv") }
}
