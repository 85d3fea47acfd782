orgsync {
  missing_users = "invit"
  workspace     = "Team_A"
  exclusive {
    permissions = "yes please"
  }
  unknown = true
}
