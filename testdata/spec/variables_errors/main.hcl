variable "required" {
  type = string
}
variable "count" {
  type = number
}
variable "bad_default" {
  type    = list(string)
  default = "not a list"
}
variable "bad type" {}
variable "weird" {
  type = strin
}

permission "p" {
  description = var.requird
}
permission "q" {
  description = local.nope
}
