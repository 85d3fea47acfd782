permission "read:docs" {
  description = "Read documents"
  lifecycle {
    ignore_changes = [description]
  }
}

role "viewer" {
  permissions = ["read:docs"]
  lifecycle {
    prevent_destroy = true
    ignore_changes  = ["description", permissions]
  }
}

organization "acme" {
  name        = "Acme"
  custom_data = { tier = "gold" }
  lifecycle {
    ignore_changes = [custom_data, mfa_required]
  }

  member "alice@acme.com" {
    roles = ["viewer"]
    lifecycle {
      prevent_destroy = true
      ignore_changes  = [roles]
    }
  }

  jit {
    email_domains = ["acme.com"]
    lifecycle {
      ignore_changes = [roles]
    }
  }
}
