orgsync {
  exclusive {
    permissions   = true
    roles         = false
    organizations = false
  }
  missing_users = "invite"
}

permission "invite:member" {
  description    = "Invite people"
  previous_names = ["member:invite", "member:invite", "members:invite"]
  lifecycle {
    prevent_destroy = true
  }
}

permission "manage:billing" {}

role "admin" {
  description = "Full access"
  type        = "User"
  permissions = ["manage:billing", "invite:member", "manage:billing"]
  api_permissions = {
    "https://api.acme.com"   = ["write:reports", "read:reports", "read:reports"]
    "https://other.acme.com" = []
  }
  previous_names = ["owner"]
  lifecycle {
    prevent_destroy = false
  }
}

role "bot" {
  type = "MachineToMachine"
}

organization "acme" {
  id                = "org123456789"
  name              = "Acme Inc."
  description       = ""
  custom_data       = {}
  mfa_required      = false
  exclusive_members = true

  member "Alice@Acme.COM" {
    roles = ["admin"]
  }
  member "bob_the_builder" {}
  member "id:u12345" {
    roles = ["admin"]
  }
  application "ci-bot" {
    roles = ["bot"]
  }
  application "id:app123" {}
  jit {
    email_domains = ["Acme.COM", "acme.io", "acme.com"]
    roles         = ["admin"]
  }
  lifecycle {
    prevent_destroy = true
  }
}

organization "Beta Corp" {}
