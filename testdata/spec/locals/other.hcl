locals {
  name   = upper(local.raw)
  prefix = "hello"
  raw    = "world"
  base   = ["p", local.prefix]
}
