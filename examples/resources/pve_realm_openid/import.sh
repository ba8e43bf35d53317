# An OpenID Connect realm is imported by its realm id.
terraform import pve_realm_openid.sso sso
