# Organizations and their members.
#
# Objects this configuration refers to, which must exist in the tenant before a plan
# (orgsync manages organizations, not users, applications or API resources):
#
#   API resource  https://api.saas.example.com   scopes: read:reports, write:reports
#   application   ci-bot                         type MachineToMachine
#   users         alice@acme.example, bob@acme.example, carol@acme.example,
#                 dave@globex.example, erin@initech.example,
#                 sam@saas.example, sasha@saas.example (var.support_staff default)

organization "acme" {
  name         = "Acme Inc."
  description  = "Acme's workspace"
  mfa_required = true
  custom_data = {
    tier  = "enterprise"
    seats = 50
  }

  member "alice@acme.example" {
    roles = ["admin"]
  }
  member "bob@acme.example" {
    roles = ["member", "billing"]
  }
  member "carol@acme.example" {
    roles = ["member"]
  }

  application "ci-bot" {
    roles = ["automation"]
  }

  jit {
    email_domains = ["acme.example"]
    roles         = ["member"]
  }

  lifecycle {
    prevent_destroy = true
  }
}

organization "saas" {
  name        = "Example SaaS"
  description = "The vendor's own staff"

  dynamic "member" {
    for_each = var.support_staff
    labels   = [member.value]
    content {
      roles = ["member"]
    }
  }
}

organization "customer" {
  for_each = var.customers

  name        = each.value.name
  description = "Customer workspace (${each.value.tier})"
  custom_data = {
    tier = each.value.tier
  }

  dynamic "member" {
    for_each = { for email, role in local.customer_owners : email => role if endswith(email, "@${each.key}.example") }
    labels   = [member.key]
    content {
      roles = [member.value]
    }
  }
}

locals {
  customer_owners = {
    "dave@globex.example"  = "admin"
    "erin@initech.example" = "admin"
  }
}
