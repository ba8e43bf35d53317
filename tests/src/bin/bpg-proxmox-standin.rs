//! A test-only stand-in for bpg/proxmox (`registry.terraform.io/bpg/proxmox`),
//! which cannot be built here. `moved_from_bpg.rs` installs it into a local
//! filesystem mirror so that Terraform can start "bpg" for its schema while
//! moving state to `pve_*` types. It serves the schemas of bpg's access types
//! as of bpg commit d6bd1ffe00c0f2822ff6370b3dcb6e60eb1c3da9 (v0.111.1): the
//! attribute names, types and flags, all at schema version 0. It manages
//! nothing: every create, read, update, delete and import fails.

use std::process::ExitCode;
use std::sync::Arc;

use async_trait::async_trait;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::{
    ClientInfo, DataSource, ImportRequest, Provider, Resource, ResourceState,
};
use tfplugin::schema::{Attribute, Block, NestedBlock, Nesting, Schema};
use tfplugin::value::{Type, Value};

/// How bpg declares an attribute.
#[derive(Clone, Copy)]
enum Kind {
    Required,
    Optional,
    Computed,
    OptionalComputed,
}

use Kind::{Computed, Optional, OptionalComputed, Required};

struct Attr(&'static str, Type, Kind, bool);

fn s() -> Type {
    Type::String
}
fn b() -> Type {
    Type::Bool
}
fn n() -> Type {
    Type::Number
}
fn set_s() -> Type {
    Type::Set(Box::new(Type::String))
}

fn attribute(Attr(name, ty, kind, sensitive): Attr) -> Attribute {
    let attribute = match kind {
        Required => Attribute::required(name, ty),
        Optional => Attribute::optional(name, ty),
        Computed => Attribute::computed(name, ty),
        OptionalComputed => Attribute::optional_computed(name, ty),
    }
    .description("bpg/proxmox attribute (test stand-in).");
    if sensitive {
        attribute.sensitive()
    } else {
        attribute
    }
}

/// bpg's inline `acl` set block of users and groups.
fn acl_block() -> NestedBlock {
    NestedBlock {
        type_name: "acl".into(),
        nesting: Nesting::Set,
        block: Block {
            attributes: vec![
                attribute(Attr("path", s(), Required, false)),
                attribute(Attr("propagate", b(), Optional, false)),
                attribute(Attr("role_id", s(), Required, false)),
            ],
            ..Block::default()
        },
        ..NestedBlock::default()
    }
}

fn pool_members() -> Type {
    Type::List(Box::new(Type::Object {
        attributes: [
            ("datastore_id", s()),
            ("id", s()),
            ("node_name", s()),
            ("type", s()),
            ("vm_id", n()),
        ]
        .into_iter()
        .map(|(k, t)| (k.to_string(), t))
        .collect(),
        optional: std::collections::BTreeSet::new(),
    }))
}

/// bpg's access resource types: names (long and short) and attributes.
fn types() -> Vec<(Vec<&'static str>, Vec<Attr>, Vec<NestedBlock>)> {
    let token = || {
        vec![
            Attr("comment", s(), Optional, false),
            Attr("expiration_date", s(), Optional, false),
            Attr("id", s(), Computed, false),
            Attr("privileges_separation", b(), OptionalComputed, false),
            Attr("token_name", s(), Required, false),
            Attr("user_id", s(), Required, false),
            Attr("value", s(), Computed, true),
        ]
    };
    vec![
        (
            vec!["proxmox_virtual_environment_user"],
            vec![
                Attr("comment", s(), Optional, false),
                Attr("email", s(), Optional, false),
                Attr("enabled", b(), Optional, false),
                Attr("expiration_date", s(), Optional, false),
                Attr("first_name", s(), Optional, false),
                Attr("groups", set_s(), Optional, false),
                Attr("id", s(), OptionalComputed, false),
                Attr("keys", s(), Optional, false),
                Attr("last_name", s(), Optional, false),
                Attr("password", s(), Optional, true),
                Attr("user_id", s(), Required, false),
            ],
            vec![acl_block()],
        ),
        (
            vec![
                "proxmox_virtual_environment_user_token",
                "proxmox_user_token",
            ],
            token(),
            vec![],
        ),
        (
            vec!["proxmox_virtual_environment_role"],
            vec![
                Attr("id", s(), OptionalComputed, false),
                Attr("privileges", set_s(), Required, false),
                Attr("role_id", s(), Required, false),
            ],
            vec![],
        ),
        (
            vec!["proxmox_virtual_environment_group"],
            vec![
                Attr("comment", s(), Optional, false),
                Attr("group_id", s(), Required, false),
                Attr("id", s(), OptionalComputed, false),
                Attr("members", set_s(), Computed, false),
            ],
            vec![acl_block()],
        ),
        (
            vec!["proxmox_virtual_environment_pool"],
            vec![
                Attr("comment", s(), Optional, false),
                Attr("id", s(), OptionalComputed, false),
                Attr("members", pool_members(), Computed, false),
                Attr("pool_id", s(), Required, false),
            ],
            vec![],
        ),
        (
            vec!["proxmox_virtual_environment_acl", "proxmox_acl"],
            vec![
                Attr("group_id", s(), Optional, false),
                Attr("id", s(), Computed, false),
                Attr("path", s(), Required, false),
                Attr("propagate", b(), OptionalComputed, false),
                Attr("role_id", s(), Required, false),
                Attr("token_id", s(), Optional, false),
                Attr("user_id", s(), Optional, false),
            ],
            vec![],
        ),
        (
            vec![
                "proxmox_virtual_environment_pool_membership",
                "proxmox_pool_membership",
            ],
            vec![
                Attr("id", s(), Computed, false),
                Attr("pool_id", s(), Required, false),
                Attr("storage_id", s(), Optional, false),
                Attr("type", s(), Computed, false),
                Attr("vm_id", n(), Optional, false),
            ],
            vec![],
        ),
        (
            vec![
                "proxmox_virtual_environment_realm_ldap",
                "proxmox_realm_ldap",
            ],
            vec![
                Attr("base_dn", s(), Required, false),
                Attr("bind_dn", s(), Optional, false),
                Attr("bind_password", s(), Optional, true),
                Attr("ca_path", s(), Optional, false),
                Attr("case_sensitive", b(), OptionalComputed, false),
                Attr("cert_key_path", s(), Optional, false),
                Attr("cert_path", s(), Optional, false),
                Attr("comment", s(), Optional, false),
                Attr("default", b(), OptionalComputed, false),
                Attr("filter", s(), Optional, false),
                Attr("group_classes", s(), Optional, false),
                Attr("group_dn", s(), Optional, false),
                Attr("group_filter", s(), Optional, false),
                Attr("group_name_attr", s(), Optional, false),
                Attr("id", s(), Computed, false),
                Attr("mode", s(), Optional, false),
                Attr("port", n(), Optional, false),
                Attr("realm", s(), Required, false),
                Attr("secure", b(), OptionalComputed, false),
                Attr("server1", s(), Required, false),
                Attr("server2", s(), Optional, false),
                Attr("ssl_version", s(), Optional, false),
                Attr("sync_attributes", s(), Optional, false),
                Attr("sync_defaults_options", s(), Optional, false),
                Attr("user_attr", s(), OptionalComputed, false),
                Attr("user_classes", s(), Optional, false),
                Attr("verify", b(), OptionalComputed, false),
            ],
            vec![],
        ),
        (
            vec![
                "proxmox_virtual_environment_realm_openid",
                "proxmox_realm_openid",
            ],
            vec![
                Attr("acr_values", s(), Optional, false),
                Attr("audiences", s(), Optional, false),
                Attr("autocreate", b(), OptionalComputed, false),
                Attr("client_id", s(), Required, false),
                Attr("client_key", s(), Optional, true),
                Attr("client_key_wo_version", n(), Optional, false),
                Attr("comment", s(), Optional, false),
                Attr("default", b(), OptionalComputed, false),
                Attr("groups_autocreate", b(), OptionalComputed, false),
                Attr("groups_claim", s(), Optional, false),
                Attr("groups_overwrite", b(), OptionalComputed, false),
                Attr("id", s(), Computed, false),
                Attr("issuer_url", s(), Required, false),
                Attr("prompt", s(), Optional, false),
                Attr("query_userinfo", b(), OptionalComputed, false),
                Attr("realm", s(), Required, false),
                Attr("scopes", s(), OptionalComputed, false),
                Attr("username_claim", s(), Optional, false),
            ],
            vec![],
        ),
        (
            vec![
                "proxmox_virtual_environment_realm_sync",
                "proxmox_realm_sync",
            ],
            vec![
                Attr("dry_run", b(), Optional, false),
                Attr("enable_new", b(), Optional, false),
                Attr("full", b(), Optional, false),
                Attr("id", s(), Computed, false),
                Attr("purge", b(), Optional, false),
                Attr("realm", s(), Required, false),
                Attr("remove_vanished", s(), Optional, false),
                Attr("scope", s(), Optional, false),
            ],
            vec![],
        ),
    ]
}

struct StandinResource {
    name: &'static str,
    schema: Schema,
}

fn refuse() -> Diagnostics {
    Diagnostics::error(
        "bpg/proxmox test stand-in",
        "This stand-in only serves bpg's schemas for moved-block tests; it manages nothing.",
    )
}

#[async_trait]
impl Resource for StandinResource {
    fn type_name(&self) -> &str {
        self.name
    }
    fn schema(&self) -> Schema {
        self.schema.clone()
    }
    async fn create(&self, _: &Value, _: &Value) -> Result<ResourceState, Diagnostics> {
        Err(refuse())
    }
    async fn read(&self, _: &ResourceState) -> Result<Option<ResourceState>, Diagnostics> {
        Err(refuse())
    }
    async fn update(
        &self,
        _: &ResourceState,
        _: &Value,
        _: &Value,
    ) -> Result<ResourceState, Diagnostics> {
        Err(refuse())
    }
    async fn delete(&self, _: &ResourceState) -> Result<(), Diagnostics> {
        Err(refuse())
    }
    async fn import(&self, _: &ImportRequest) -> Result<Vec<ResourceState>, Diagnostics> {
        Err(refuse())
    }
}

struct Standin;

#[async_trait]
impl Provider for Standin {
    fn type_name(&self) -> &str {
        "proxmox"
    }
    fn schema(&self) -> Schema {
        Schema::new(Block {
            attributes: vec![
                attribute(Attr("endpoint", s(), Optional, false)),
                attribute(Attr("api_token", s(), Optional, true)),
                attribute(Attr("insecure", b(), Optional, false)),
            ],
            description: "bpg/proxmox test stand-in.".into(),
            ..Block::default()
        })
    }
    async fn configure(&self, _: &Value, _: &ClientInfo) -> Diagnostics {
        Diagnostics::new()
    }
    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        let mut resources: Vec<Arc<dyn Resource>> = Vec::new();
        for (names, attributes, blocks) in types() {
            let block = Block {
                attributes: attributes.into_iter().map(attribute).collect(),
                blocks,
                description: "bpg/proxmox resource (test stand-in).".into(),
                ..Block::default()
            };
            for name in names {
                resources.push(Arc::new(StandinResource {
                    name,
                    schema: Schema::new(block.clone()),
                }));
            }
        }
        resources
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        Vec::new()
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match tfplugin::ServeOptions::from_args("registry.terraform.io/bpg/proxmox") {
        Ok(options) => options,
        Err(error) => {
            eprintln!("bpg-proxmox-standin: {error}");
            return ExitCode::from(2);
        }
    };
    match tfplugin::serve(Arc::new(Standin), options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bpg-proxmox-standin: {error}");
            ExitCode::FAILURE
        }
    }
}
