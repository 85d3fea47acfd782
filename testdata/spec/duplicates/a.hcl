orgsync {}

variable "v" {
  default = 1
}

locals {
  l = 1
}

permission "read" {}
permission "write" {
  previous_names = ["old"]
}

role "admin" {
  previous_names = ["viewer"]
}

organization "acme" {
  member "Alice@Acme.com" {}
  member "alice@acme.com" {}
  member "bob" {}
  member "bob" {}
  application "ci" {}
  application "ci" {}
}

organization "acme2" {
  name = "acme"
}
