//! A schema as Markdown, in the layout tfplugindocs uses (`## Schema`, then
//! `### Required`, `### Optional`, `### Read-Only`, then one
//! `### Nested Schema for …` section per nested block or object), so the pages
//! read like every other provider's on the Registry.

use std::collections::{BTreeMap, BTreeSet};

use tfplugin::schema::{Attribute, Block, IdentitySchema, NestedBlock, Nesting};
use tfplugin::value::{Number, Type, Value};

/// Where write-only arguments are explained.
const WRITE_ONLY_LINK: &str = "[Write-only](https://developer.hashicorp.com/terraform/language/resources/ephemeral#write-only-arguments)";

/// The marker that opens every generated schema section.
pub(crate) const SCHEMA_MARKER: &str = "<!-- schema generated from the provider by `make docs` -->";

/// The three groups an attribute or block is listed under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    Required,
    Optional,
    ReadOnly,
}

impl Group {
    fn title(self) -> &'static str {
        match self {
            Group::Required => "Required",
            Group::Optional => "Optional",
            Group::ReadOnly => "Read-Only",
        }
    }

    fn of_attribute(attribute: &Attribute) -> Group {
        if attribute.required {
            Group::Required
        } else if attribute.optional {
            Group::Optional
        } else {
            Group::ReadOnly
        }
    }

    fn of_block(nested: &NestedBlock) -> Group {
        if nested.min_items > 0 {
            Group::Required
        } else if block_is_read_only(&nested.block) {
            Group::ReadOnly
        } else {
            Group::Optional
        }
    }
}

fn block_is_read_only(block: &Block) -> bool {
    block.attributes.iter().all(|a| !a.required && !a.optional)
        && block
            .blocks
            .iter()
            .all(|b| b.min_items == 0 && block_is_read_only(&b.block))
}

/// A nested section still to be written after the current listing.
enum Pending<'a> {
    Block {
        path: Vec<String>,
        block: &'a Block,
    },
    Object {
        path: Vec<String>,
        attributes: &'a BTreeMap<String, Type>,
        optional: &'a BTreeSet<String>,
        group: Group,
    },
}

/// One listed item: its name, the group it belongs to and its line.
struct Item {
    group: Group,
    name: String,
    line: String,
}

/// `## Schema` with every attribute and nested block of `block`.
pub(crate) fn render_schema(block: &Block) -> String {
    let mut out = format!("{SCHEMA_MARKER}\n## Schema\n");
    let mut pending = Vec::new();
    let items = block_items(block, &[], &mut pending);
    write_groups(&mut out, &items, "### ");
    write_pending(&mut out, pending);
    out
}

/// `### Identity Schema` for import by identity (Terraform ≥ 1.12).
pub(crate) fn render_identity(identity: &IdentitySchema) -> String {
    let mut out = format!("{SCHEMA_MARKER}\n### Identity Schema\n");
    let mut attributes: Vec<_> = identity.attributes.iter().collect();
    attributes.sort_by(|a, b| a.name.cmp(&b.name));
    let items: Vec<Item> = attributes
        .into_iter()
        .map(|attribute| {
            let group = if attribute.required_for_import {
                Group::Required
            } else {
                Group::Optional
            };
            let line = item_line(
                &attribute.name,
                &type_name(&attribute.ty),
                &attribute.description,
                None,
            );
            Item {
                group,
                name: attribute.name.clone(),
                line,
            }
        })
        .collect();
    write_groups(&mut out, &items, "#### ");
    out
}

fn block_items<'a>(block: &'a Block, path: &[String], pending: &mut Vec<Pending<'a>>) -> Vec<Item> {
    let mut items = Vec::new();
    for attribute in &block.attributes {
        items.push(attribute_item(attribute, path, pending));
    }
    for nested in &block.blocks {
        let mut child = path.to_vec();
        child.push(nested.type_name.clone());
        let mut qualifiers = vec![block_kind(nested)];
        if matches!(nested.nesting, Nesting::List | Nesting::Set) {
            if nested.min_items > 0 {
                qualifiers.push(format!("Min: {}", nested.min_items));
            }
            if nested.max_items > 0 {
                qualifiers.push(format!("Max: {}", nested.max_items));
            }
        }
        if nested.block.deprecated {
            qualifiers.push("Deprecated".to_string());
        }
        let link = format!(
            "(see [below for nested schema](#{}))",
            anchor("nestedblock", &child)
        );
        let line = item_line(
            &nested.type_name,
            &qualifiers.join(", "),
            &nested.block.description,
            Some(&link),
        );
        items.push(Item {
            group: Group::of_block(nested),
            name: nested.type_name.clone(),
            line,
        });
        pending.push(Pending::Block {
            path: child,
            block: &nested.block,
        });
    }
    items.sort_by(|a, b| a.name.cmp(&b.name));
    items
}

fn attribute_item<'a>(
    attribute: &'a Attribute,
    path: &[String],
    pending: &mut Vec<Pending<'a>>,
) -> Item {
    let group = Group::of_attribute(attribute);
    let mut qualifiers = vec![type_name(&attribute.ty)];
    if attribute.sensitive {
        qualifiers.push("Sensitive".to_string());
    }
    if attribute.write_only {
        qualifiers.push(WRITE_ONLY_LINK.to_string());
    }
    if attribute.deprecated {
        qualifiers.push("Deprecated".to_string());
    }
    let description = with_plan_notes(attribute);
    let mut link = None;
    if let Some((attributes, optional)) = object_of(&attribute.ty) {
        let mut child = path.to_vec();
        child.push(attribute.name.clone());
        link = Some(format!(
            "(see [below for nested schema](#{}))",
            anchor("nestedatt", &child)
        ));
        pending.push(Pending::Object {
            path: child,
            attributes,
            optional,
            group,
        });
    }
    let line = item_line(
        &attribute.name,
        &qualifiers.join(", "),
        &description,
        link.as_deref(),
    );
    Item {
        group,
        name: attribute.name.clone(),
        line,
    }
}

/// The description plus what the plan rules imply, unless it already says so.
fn with_plan_notes(attribute: &Attribute) -> String {
    let mut text = attribute.description.trim().to_string();
    let lower = text.to_lowercase();
    if attribute.plan.requires_replace && !lower.contains("replace") {
        push_sentence(&mut text, "Changing it replaces the resource.");
    }
    if let Some(default) = attribute.plan.default.as_ref().and_then(hcl_literal)
        && !lower.contains("default")
    {
        push_sentence(&mut text, &format!("Defaults to `{default}`."));
    }
    text
}

fn push_sentence(text: &mut String, sentence: &str) {
    if !text.is_empty() {
        text.push(' ');
    }
    text.push_str(sentence);
}

fn item_line(name: &str, qualifiers: &str, description: &str, link: Option<&str>) -> String {
    let mut line = format!("- `{name}` ({qualifiers})");
    let description = description.trim();
    if !description.is_empty() {
        line.push(' ');
        line.push_str(description);
    }
    if let Some(link) = link {
        line.push(' ');
        line.push_str(link);
    }
    line
}

/// Writes `items` grouped, each group under `heading_prefix` + title.
fn write_groups(out: &mut String, items: &[Item], heading_prefix: &str) {
    for group in [Group::Required, Group::Optional, Group::ReadOnly] {
        let lines: Vec<&str> = items
            .iter()
            .filter(|i| i.group == group)
            .map(|i| i.line.as_str())
            .collect();
        if lines.is_empty() {
            continue;
        }
        if heading_prefix.is_empty() {
            out.push_str(&format!("\n{}:\n\n", group.title()));
        } else {
            out.push_str(&format!("\n{heading_prefix}{}\n\n", group.title()));
        }
        for line in lines {
            out.push_str(line);
            out.push('\n');
        }
    }
}

/// Writes the nested sections, breadth first, including the ones they add.
fn write_pending(out: &mut String, mut pending: Vec<Pending<'_>>) {
    let mut next = 0;
    while next < pending.len() {
        let mut added = Vec::new();
        let items = match &pending[next] {
            Pending::Block { path, block } => {
                out.push_str(&format!(
                    "\n<a id=\"{}\"></a>\n### Nested Schema for `{}`\n",
                    anchor("nestedblock", path),
                    path.join(".")
                ));
                block_items(block, path, &mut added)
            }
            Pending::Object {
                path,
                attributes,
                optional,
                group,
            } => {
                out.push_str(&format!(
                    "\n<a id=\"{}\"></a>\n### Nested Schema for `{}`\n",
                    anchor("nestedatt", path),
                    path.join(".")
                ));
                object_items(path, attributes, optional, *group, &mut added)
            }
        };
        write_groups(out, &items, "");
        pending.extend(added);
        next += 1;
    }
}

fn object_items<'a>(
    path: &[String],
    attributes: &'a BTreeMap<String, Type>,
    optional: &'a BTreeSet<String>,
    group: Group,
    pending: &mut Vec<Pending<'a>>,
) -> Vec<Item> {
    attributes
        .iter()
        .map(|(name, ty)| {
            // An attribute of an object type inherits its parent's group,
            // except those the type marks optional.
            let group = if group != Group::ReadOnly && optional.contains(name) {
                Group::Optional
            } else {
                group
            };
            let mut link = None;
            if let Some((inner, inner_optional)) = object_of(ty) {
                let mut child = path.to_vec();
                child.push(name.clone());
                link = Some(format!(
                    "(see [below for nested schema](#{}))",
                    anchor("nestedatt", &child)
                ));
                pending.push(Pending::Object {
                    path: child,
                    attributes: inner,
                    optional: inner_optional,
                    group,
                });
            }
            Item {
                group,
                name: name.clone(),
                line: item_line(name, &type_name(ty), "", link.as_deref()),
            }
        })
        .collect()
}

fn block_kind(nested: &NestedBlock) -> String {
    match nested.nesting {
        Nesting::Single | Nesting::Group => "Block",
        Nesting::List => "Block List",
        Nesting::Set => "Block Set",
        Nesting::Map => "Block Map",
    }
    .to_string()
}

fn anchor(kind: &str, path: &[String]) -> String {
    format!("{kind}--{}", path.join("--"))
}

/// The object type inside `ty` (itself, or the element of a collection of objects).
fn object_of(ty: &Type) -> Option<(&BTreeMap<String, Type>, &BTreeSet<String>)> {
    match ty {
        Type::Object {
            attributes,
            optional,
        } => Some((attributes, optional)),
        Type::List(inner) | Type::Set(inner) | Type::Map(inner) => match inner.as_ref() {
            Type::Object {
                attributes,
                optional,
            } => Some((attributes, optional)),
            _ => None,
        },
        _ => None,
    }
}

/// The type as the Registry pages name it: `String`, `Set of String`, `Object`.
pub(crate) fn type_name(ty: &Type) -> String {
    match ty {
        Type::Bool => "Boolean".to_string(),
        Type::Number => "Number".to_string(),
        Type::String => "String".to_string(),
        Type::Dynamic => "Dynamic".to_string(),
        Type::List(inner) => format!("List of {}", type_name(inner)),
        Type::Set(inner) => format!("Set of {}", type_name(inner)),
        Type::Map(inner) => format!("Map of {}", type_name(inner)),
        Type::Object { .. } => "Object".to_string(),
        Type::Tuple(_) => "Tuple".to_string(),
    }
}

/// The type in Terraform's own type-constraint syntax, for function signatures.
pub(crate) fn hcl_type(ty: &Type) -> String {
    match ty {
        Type::Bool => "bool".to_string(),
        Type::Number => "number".to_string(),
        Type::String => "string".to_string(),
        Type::Dynamic => "dynamic".to_string(),
        Type::List(inner) => format!("list({})", hcl_type(inner)),
        Type::Set(inner) => format!("set({})", hcl_type(inner)),
        Type::Map(inner) => format!("map({})", hcl_type(inner)),
        Type::Object {
            attributes,
            optional,
        } => {
            let fields: Vec<String> = attributes
                .iter()
                .map(|(name, ty)| {
                    if optional.contains(name) {
                        format!("{name}=optional({})", hcl_type(ty))
                    } else {
                        format!("{name}={}", hcl_type(ty))
                    }
                })
                .collect();
            format!("object({{{}}})", fields.join(", "))
        }
        Type::Tuple(items) => format!(
            "tuple([{}])",
            items.iter().map(hcl_type).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A known value as an HCL literal (`true`, `"text"`, `["a", "b"]`); `None`
/// for null or unknown values.
pub(crate) fn hcl_literal(value: &Value) -> Option<String> {
    Some(match value {
        Value::Null | Value::Unknown => return None,
        Value::Bool(b) => b.to_string(),
        Value::Number(Number::Int(n)) => n.to_string(),
        Value::Number(Number::Float(f)) => f.to_string(),
        Value::Number(Number::Big(text)) => text.clone(),
        Value::String(text) => serde_json::Value::String(text.clone()).to_string(),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            let items: Option<Vec<String>> = items.iter().map(hcl_literal).collect();
            format!("[{}]", items?.join(", "))
        }
        Value::Map(entries) | Value::Object(entries) => {
            let entries: Option<Vec<String>> = entries
                .iter()
                .map(|(k, v)| hcl_literal(v).map(|v| format!("{k} = {v}")))
                .collect();
            format!("{{ {} }}", entries?.join(", "))
        }
    })
}
