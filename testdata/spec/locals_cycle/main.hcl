locals {
  a = local.b
  b = "${local.c}!"
  c = local.a
  d = local.d
  e = local.a
  ok = "fine"
}

permission "p" {
  description = local.e
}
permission "q" {
  description = local.ok
}
