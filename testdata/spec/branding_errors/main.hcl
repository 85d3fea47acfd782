orgsync {
  missing_users = "skip"
  invitation {
    link        = "https://app.acme.com/invitations/{invitation_id}"
    expiry_days = 0.5
  }
}

organization "acme" {
  branding {
    logo_url      = "logo.svg"
    dark_logo_url = "https://"
    favicon_url   = " https://cdn.acme.com/favicon.ico"
    colour        = "#fff"
  }
  color {
    primary      = "red"
    dark_primary = "#12345"
    dark_mode    = "yes"
  }
  custom_css = file("missing.css")

  jit {
    sso_connectors = ["", 3]
  }
}

organization "globex" {
  custom_css = file("binary.css")
}
