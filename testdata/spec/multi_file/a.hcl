role "viewer" {
  permissions = ["read"]
}
organization "o" {
  member "dev" {
    roles = [local.default_role]
  }
}
