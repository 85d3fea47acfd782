permission "read" {}
locals {
  default_role = "viewer"
}
