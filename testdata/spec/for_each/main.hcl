variable "tenants" {
  type = map(object({ name = string, admins = list(string) }))
  default = {
    acme   = { name = "Acme", admins = ["a@acme.com"] }
    globex = { name = "Globex", admins = ["g@globex.com", "h@globex.com"] }
  }
}

role "admin" {}

organization "tenant" {
  for_each    = var.tenants
  name        = each.value.name
  description = "key ${each.key}"
  dynamic "member" {
    for_each = each.value.admins
    labels   = [member.value]
    content {
      roles = ["admin"]
    }
  }
}

organization "team" {
  for_each = toset(["red", "blue"])
  custom_data = {
    color = each.value
  }
}

organization "nobody" {
  for_each = {}
}
