permission "p" {
  description = "unterminated
}
