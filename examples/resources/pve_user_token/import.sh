# A token is imported by its full id, NAME@REALM!TOKEN (quote it: ! is
# special in interactive shells). PVE never shows a secret again, so an
# imported token has a null `value`; replace the token to get a new one.
terraform import pve_user_token.ansible 'automation@pve!ansible'
