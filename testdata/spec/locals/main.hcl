locals {
  greeting = "${local.prefix} ${local.name}"
  all      = concat(local.base, ["extra"])
}

permission "p" {
  description = local.greeting
}

role "r" {
  permissions = [for p in local.all : p if p == "p"]
  description = join(",", local.all)
}
