permission "read:docs" {
  lifecycle {
    ignore_changes = [descripton]
  }
}

role "viewer" {
  lifecycle {
    ignore_changes = "description"
  }
}

organization "acme" {
  lifecycle {
    ignore_changes = [members]
  }

  member "alice@acme.com" {
    lifecycle {
      ignore_changes = [name]
    }
  }
}
