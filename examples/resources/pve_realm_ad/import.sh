# An Active Directory realm is imported by its realm id.
terraform import pve_realm_ad.windows win
