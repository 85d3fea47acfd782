orgsync {}

variable "v" {}

locals {
  l = 2
}

permission "read" {}
permission "write2" {
  previous_names = ["old", "read", "write2"]
}

role "admin" {}
role "viewer" {}

organization "acme" {}
organization "pinned1" {
  id   = "same"
  name = "p"
}
organization "pinned2" {
  id   = "same"
  name = "p"
}
