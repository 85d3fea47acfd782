variable "staff" {
  type = list(object({ email = string, roles = list(string) }))
  default = [
    { email = "x@staff.example", roles = ["admin"] },
    { email = "y@staff.example", roles = ["member", "admin"] },
  ]
}
variable "bots" {
  type    = set(string)
  default = ["deployer", "auditor"]
}
variable "jit_domains" {
  type    = list(string)
  default = ["staff.example"]
}

role "admin" {}
role "member" {}
role "bot" {
  type = "MachineToMachine"
}

permission "p" {
  dynamic "lifecycle" {
    for_each = [true]
    content {
      prevent_destroy = lifecycle.value
    }
  }
}

organization "staff" {
  dynamic "member" {
    for_each = var.staff
    iterator = person
    labels   = [person.value.email]
    content {
      roles = person.value.roles
    }
  }
  dynamic "application" {
    for_each = var.bots
    labels   = [application.value]
    content {
      roles = ["bot"]
    }
  }
  dynamic "jit" {
    for_each = length(var.jit_domains) > 0 ? [1] : []
    content {
      email_domains = var.jit_domains
      roles         = ["member"]
    }
  }
}
