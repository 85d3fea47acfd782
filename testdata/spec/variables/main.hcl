variable "from_default" {
  default = "d"
}
variable "from_env" {
  type    = string
  default = "d"
}
variable "env_then_file" {
  type    = string
  default = "d"
}
variable "two_files" {
  type = number
}
variable "file_then_flag" {
  type = list(string)
}
variable "flag_twice" {
  type    = map(string)
  default = {}
}
variable "literal" {
  type        = string
  description = "Strings given on the command line are taken literally"
  sensitive   = true
}
variable "with_optional" {
  type = object({ name = string, tier = optional(string, "free") })
  default = {
    name = "n"
  }
}

permission "p" {
  description = jsonencode([
    var.from_default, var.from_env, var.env_then_file, var.two_files,
    var.file_then_flag, var.flag_twice, var.literal, var.with_optional,
  ])
}
