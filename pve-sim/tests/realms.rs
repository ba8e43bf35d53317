//! Realms as PVE validates them: each type's SectionConfig option set and
//! required options, the whole-file digest, `client-key` on GET, the
//! `sync-defaults-options` rewrite, and case-insensitive LDAP/AD realms.

#[cfg(test)]
mod common;

use axum::http::StatusCode;
use common::{Harness, harness};

const LDAP: &str =
    "realm=corp&type=ldap&server1=ldap.example.com&base_dn=dc%3Dexample%2Cdc%3Dcom&user_attr=uid";

async fn fails(h: &Harness, method: &str, path: &str, form: &str) -> String {
    let reply = h.send(method, path, None, form).await;
    assert_eq!(
        reply.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{method} {path} {form}: {}",
        reply.body
    );
    reply.message()
}

#[tokio::test]
async fn create_needs_the_types_required_options() {
    let h = harness().await;
    let cases = [
        (
            "realm=corp&type=ldap&server1=ldap.example.com&base_dn=dc%3Dx",
            "user_attr",
        ),
        (
            "realm=corp&type=ldap&user_attr=uid&base_dn=dc%3Dx",
            "server1",
        ),
        ("realm=win&type=ad&server1=dc.example.com", "domain"),
        ("realm=win&type=ad&domain=example.com", "server1"),
        ("realm=sso&type=openid&client-id=pve", "issuer-url"),
        (
            "realm=sso&type=openid&issuer-url=https%3A%2F%2Fsso.example.com",
            "client-id",
        ),
    ];
    for (form, missing) in cases {
        assert_eq!(
            fails(&h, "POST", "/access/domains", form).await,
            format!("add auth server failed: missing value for required option '{missing}'\n"),
            "{form}"
        );
    }
    // An option of another type is refused before the required check.
    assert_eq!(
        fails(
            &h,
            "POST",
            "/access/domains",
            "realm=corp&type=ldap&domain=x"
        )
        .await,
        "add auth server failed: unexpected property 'domain'\n"
    );
    h.root("POST", "/access/domains", LDAP).await;
    h.root(
        "POST",
        "/access/domains",
        "realm=win&type=ad&server1=dc.example.com&domain=example.com",
    )
    .await;
}

#[tokio::test]
async fn update_refuses_foreign_options_and_losing_required_ones() {
    let h = harness().await;
    h.root("POST", "/access/domains", LDAP).await;
    assert_eq!(
        fails(&h, "PUT", "/access/domains/corp", "domain=example.com").await,
        "update auth server failed: unexpected property 'domain'\n"
    );
    assert_eq!(
        fails(&h, "PUT", "/access/domains/corp", "delete=base_dn").await,
        "update auth server failed: section 'corp' - missing value for required option 'base_dn'\n"
    );
    // Nothing changed by the failed calls.
    let realm = h.root("GET", "/access/domains/corp", "").await;
    assert_eq!(realm["base_dn"], "dc=example,dc=com");
    assert!(realm.get("domain").is_none());
    // Deleting an optional one is fine.
    h.root("PUT", "/access/domains/corp", "server2=ldap2.example.com")
        .await;
    h.root("PUT", "/access/domains/corp", "delete=server2")
        .await;

    h.root(
        "POST",
        "/access/domains",
        "realm=sso&type=openid&client-id=pve&issuer-url=https%3A%2F%2Fsso.example.com&username-claim=email&client-key=s3cret",
    )
    .await;
    // A fixed option is not even a parameter of the update method.
    let reply = h
        .send("PUT", "/access/domains/sso", None, "username-claim=sub")
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body["errors"]["username-claim"].is_string());
}

#[tokio::test]
async fn digest_is_the_sha1_of_domains_cfg_and_client_key_is_shown() {
    let h = harness().await;
    h.root("POST", "/access/domains", LDAP).await;
    h.root(
        "POST",
        "/access/domains",
        "realm=sso&type=openid&client-id=pve&issuer-url=https%3A%2F%2Fsso.example.com&client-key=s3cret",
    )
    .await;
    let file = std::fs::read(h.dir.path().join("domains.cfg")).unwrap();
    let expected = pve_sim::sha1::hex_digest(&file);
    for realm in ["corp", "sso", "pam", "pve"] {
        let data = h.root("GET", &format!("/access/domains/{realm}"), "").await;
        assert_eq!(data["digest"], expected, "{realm}");
    }
    let sso = h.root("GET", "/access/domains/sso", "").await;
    assert_eq!(sso["client-key"], "s3cret");

    // A stale digest is refused; the current one is accepted.
    let reply = h
        .send(
            "PUT",
            "/access/domains/corp",
            None,
            &format!("comment=x&digest={}", "0".repeat(40)),
        )
        .await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(reply.message().contains("detected modified configuration"));
    h.root(
        "PUT",
        "/access/domains/corp",
        &format!("comment=x&digest={expected}"),
    )
    .await;
}

#[tokio::test]
async fn sync_defaults_are_stored_sorted_with_deprecated_flags_mapped() {
    let h = harness().await;
    h.root(
        "POST",
        "/access/domains",
        &format!(
            "{LDAP}&sync-defaults-options=scope%3Dboth%2Cfull%3D1%2Cpurge%3D1%2Cenable-new%3D1"
        ),
    )
    .await;
    let cfg = std::fs::read_to_string(h.dir.path().join("domains.cfg")).unwrap();
    assert!(
        cfg.contains(
            "\tsync-defaults-options enable-new=1,remove-vanished=entry;properties;acl,scope=both\n"
        ),
        "{cfg}"
    );
    // PVE writes the type's required options first, sorted, then the rest.
    let section: Vec<&str> = cfg
        .split("\n\n")
        .find(|s| s.starts_with("ldap: corp"))
        .unwrap()
        .lines()
        .collect();
    assert_eq!(
        section[1..4],
        [
            "\tbase_dn dc=example,dc=com",
            "\tserver1 ldap.example.com",
            "\tuser_attr uid"
        ]
    );
    h.root(
        "PUT",
        "/access/domains/corp",
        "sync-defaults-options=purge%3D1",
    )
    .await;
    let realm = h.root("GET", "/access/domains/corp", "").await;
    assert_eq!(realm["sync-defaults-options"], "remove-vanished=acl");
}

#[tokio::test]
async fn case_insensitive_realms_find_users_of_other_casing() {
    let h = harness().await;
    h.root(
        "POST",
        "/access/domains",
        &format!("{LDAP}&case-sensitive=0"),
    )
    .await;
    h.root("POST", "/access/users", "userid=Jane@corp").await;
    assert_eq!(
        fails(&h, "POST", "/access/users", "userid=jane@corp").await,
        "create user failed: user 'Jane@corp' already exists\n"
    );
    // Other calls with the other casing see no such user.
    let reply = h.send("GET", "/access/users/jane@corp", None, "").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.message(), "no such user ('jane@corp')\n");

    // In a case-sensitive realm both casings are separate users.
    h.root("POST", "/access/users", "userid=Bob@pve").await;
    h.root("POST", "/access/users", "userid=bob@pve").await;
}

/// Waits for a worker task to stop (yielding to it in between) and returns
/// its exit status.
async fn task_exit_status(h: &Harness, upid: &str) -> String {
    loop {
        let status = h
            .root("GET", &format!("/nodes/pve/tasks/{upid}/status"), "")
            .await;
        if status["status"] == "stopped" {
            return status["exitstatus"]
                .as_str()
                .unwrap_or_default()
                .to_string();
        }
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn bind_passwords_are_kept_in_priv_realm_as_pve_keeps_them() {
    let h = harness().await;
    let pw_file = h.dir.path().join("priv/realm/corp.pw");
    h.root(
        "POST",
        "/access/domains",
        &format!("{LDAP}&bind_dn=cn%3Dreader&password=bind-s3cret"),
    )
    .await;
    // LDAP.pm `ldap_set_credentials`: the password as sent, no newline.
    assert_eq!(std::fs::read_to_string(&pw_file).unwrap(), "bind-s3cret");
    let domains_cfg = std::fs::read_to_string(h.dir.path().join("domains.cfg")).unwrap();
    assert!(!domains_cfg.contains("bind-s3cret"));
    let read = h.root("GET", "/access/domains/corp", "").await;
    assert!(read.get("password").is_none(), "{read}");
    assert_eq!(read["bind_dn"], "cn=reader");

    // An update without a password keeps the file; with one replaces it.
    h.root("PUT", "/access/domains/corp", "comment=c").await;
    assert_eq!(std::fs::read_to_string(&pw_file).unwrap(), "bind-s3cret");
    h.root("PUT", "/access/domains/corp", "password=rotated")
        .await;
    assert_eq!(std::fs::read_to_string(&pw_file).unwrap(), "rotated");

    // The stored password is what a later bind uses: check-connection with
    // the server answering passes without the password in the request.
    h.state
        .directories
        .set("corp", pve_sim::directory::Directory::default());
    h.root(
        "PUT",
        "/access/domains/corp",
        "check-connection=1&comment=d",
    )
    .await;

    // delete=password removes the file; the next bind has no password.
    h.root("PUT", "/access/domains/corp", "delete=password")
        .await;
    assert!(!pw_file.exists());
    assert_eq!(
        fails(
            &h,
            "PUT",
            "/access/domains/corp",
            "check-connection=1&comment=e"
        )
        .await,
        "update auth server failed: missing password for realm corp\n"
    );
    let upid = h
        .root("POST", "/access/domains/corp/sync", "scope=users")
        .await;
    assert_eq!(
        task_exit_status(&h, upid.as_str().unwrap()).await,
        "missing password for realm corp"
    );

    // Deleting the realm removes a stored password; an OpenID realm never
    // has one (PVE ignores the parameter), its client-key is an option.
    h.root("PUT", "/access/domains/corp", "password=again")
        .await;
    assert!(pw_file.exists());
    h.root("DELETE", "/access/domains/corp", "").await;
    assert!(!pw_file.exists());
    h.root(
        "POST",
        "/access/domains",
        "realm=sso&type=openid&client-id=pve&issuer-url=https%3A%2F%2Fsso.example.com&client-key=k3y&password=ignored",
    )
    .await;
    assert!(!h.dir.path().join("priv/realm/sso.pw").exists());
    let domains_cfg = std::fs::read_to_string(h.dir.path().join("domains.cfg")).unwrap();
    assert!(domains_cfg.contains("\tclient-key k3y\n"), "{domains_cfg}");
}

/// `API2/Domains.pm` create/update run the plugin hook, which writes or
/// deletes `priv/realm/<realm>.pw` at once, before `check_connection`; when
/// the check dies, `domains.cfg` is not written but the `.pw` change stays.
#[tokio::test]
async fn a_failed_connection_check_leaves_the_password_file_as_the_hook_left_it() {
    let h = harness().await;
    let pw_file = |realm: &str| h.dir.path().join(format!("priv/realm/{realm}.pw"));
    let bind = format!("{LDAP}&bind_dn=cn%3Dreader");
    let refused = "ldap.example.com: IO::Socket::IP: connect: Connection refused";
    let absent = |reply: common::Reply| reply.status == StatusCode::INTERNAL_SERVER_ERROR;

    // Create, server down (no directory stated for corp): no realm, but
    // the password file `on_add_hook` wrote is left behind.
    assert_eq!(
        fails(
            &h,
            "POST",
            "/access/domains",
            &format!("{bind}&password=first&check-connection=1"),
        )
        .await,
        format!("add auth server failed: {refused}\n")
    );
    assert!(absent(
        h.send("GET", "/access/domains/corp", None, "").await
    ));
    assert_eq!(std::fs::read_to_string(pw_file("corp")).unwrap(), "first");
    // A create without a password deletes such a leftover before its
    // check, so the check finds none.
    h.state.directories.set("corp", Default::default());
    assert_eq!(
        fails(
            &h,
            "POST",
            "/access/domains",
            &format!("{bind}&check-connection=1"),
        )
        .await,
        "add auth server failed: missing password for realm corp\n"
    );
    assert!(!pw_file("corp").exists());
    assert!(absent(
        h.send("GET", "/access/domains/corp", None, "").await
    ));

    // Update, removing the password with a check: the file is gone, the
    // options are not applied.
    h.root("POST", "/access/domains", &format!("{bind}&password=kept"))
        .await;
    assert_eq!(
        fails(
            &h,
            "PUT",
            "/access/domains/corp",
            "delete=password&check-connection=1&comment=never"
        )
        .await,
        "update auth server failed: missing password for realm corp\n"
    );
    assert!(!pw_file("corp").exists());
    let read = h.root("GET", "/access/domains/corp", "").await;
    assert!(read.get("comment").is_none(), "{read}");

    // Update, new password, server down: the new password stays.
    let other = bind.replace("realm=corp", "realm=other");
    h.root("POST", "/access/domains", &format!("{other}&password=old"))
        .await;
    assert_eq!(
        fails(
            &h,
            "PUT",
            "/access/domains/other",
            "password=new&check-connection=1&comment=never"
        )
        .await,
        format!("update auth server failed: {refused}\n")
    );
    assert_eq!(std::fs::read_to_string(pw_file("other")).unwrap(), "new");
    let read = h.root("GET", "/access/domains/other", "").await;
    assert!(read.get("comment").is_none(), "{read}");
}

/// PVE 6.x kept bind passwords in `priv/ldap/`; PVE 9 still reads one
/// there when `priv/realm/` has none (`LDAP.pm` `get_cred_file`) and
/// deletes it when it is the file in use.
#[tokio::test]
async fn a_password_in_the_legacy_priv_ldap_is_used_as_pve_9_uses_it() {
    let h = harness().await;
    h.root(
        "POST",
        "/access/domains",
        &format!("{LDAP}&bind_dn=cn%3Dreader"),
    )
    .await;
    let legacy = h.dir.path().join("priv/ldap/corp.pw");
    let current = h.dir.path().join("priv/realm/corp.pw");
    std::fs::create_dir_all(legacy.parent().unwrap()).unwrap();
    std::fs::write(&legacy, "legacy-pw\n").unwrap();
    let h = h.restart().await;
    h.state.directories.set("corp", Default::default());
    let check = "check-connection=1&comment=checked";

    h.root("PUT", "/access/domains/corp", check).await;
    // A new password goes to priv/realm and shadows the legacy file.
    h.root("PUT", "/access/domains/corp", "password=new").await;
    assert_eq!(std::fs::read_to_string(&current).unwrap(), "new");
    assert_eq!(std::fs::read_to_string(&legacy).unwrap(), "legacy-pw\n");
    // Deleting removes the current file first; the legacy one is used again.
    h.root("PUT", "/access/domains/corp", "delete=password")
        .await;
    assert!(!current.exists());
    h.root("PUT", "/access/domains/corp", check).await;
    // Then the legacy one itself.
    h.root("PUT", "/access/domains/corp", "delete=password")
        .await;
    assert!(!legacy.exists());
    assert_eq!(
        fails(&h, "PUT", "/access/domains/corp", check).await,
        "update auth server failed: missing password for realm corp\n"
    );
}
