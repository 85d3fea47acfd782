orgsync {
  missing_users = "invit"
  exclusive {
    permissions = "yes please"
  }
  unknown = true
}
