permission "invite:member" {}
permission "manage:billing" {}

role "admin" {
  permissions = ["invite:member", "invite:membr", "delete:everything"]
}
