//! One Registry page per provider, resource, data source, ephemeral resource,
//! list resource and function, plus the guides. Each page is the default
//! layout below unless `templates/<kind>/<name>.md.tmpl` overrides it.

use std::path::{Path, PathBuf};

use tfplugin::provider::{Action, DataSource, EphemeralResource, Function, ListResource, Resource};
use tfplugin::schema::{IdentitySchema, Schema};

use super::DocsError;
use super::schema_md::{hcl_type, render_identity, render_schema, type_name};
use super::template::{self, Context, code_block};

/// The repository the examples and templates are read from.
pub(crate) struct Repo {
    root: PathBuf,
}

impl Repo {
    pub(crate) fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
        }
    }

    /// The text of `relative`, or `None` when it does not exist.
    fn read(&self, relative: &str) -> Result<Option<String>, DocsError> {
        let path = self.root.join(relative);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(DocsError::io(&path, error)),
        }
    }

    /// Renders `templates/<relative>` with `context` when it exists.
    fn template(&self, relative: &str, context: &Context) -> Result<Option<String>, DocsError> {
        let relative = format!("templates/{relative}");
        match self.read(&relative)? {
            None => Ok(None),
            Some(text) => {
                template::render(&text, &self.root.join(&relative), context, &self.root).map(Some)
            }
        }
    }
}

/// What kind of page, and where its files live.
#[derive(Clone, Copy)]
struct Kind {
    /// `Resource`, shown in titles.
    title: &'static str,
    /// `resources`: the directory under `docs/`, `examples/` and `templates/`.
    dir: &'static str,
    /// `resource.tf`: the example file in `examples/<dir>/<type>/`.
    example: &'static str,
    /// A note on which Terraform/OpenTofu versions support this kind.
    requirement: Option<&'static str>,
}

const RESOURCE: Kind = Kind {
    title: "Resource",
    dir: "resources",
    example: "resource.tf",
    requirement: None,
};
const DATA_SOURCE: Kind = Kind {
    title: "Data Source",
    dir: "data-sources",
    example: "data-source.tf",
    requirement: None,
};
const EPHEMERAL: Kind = Kind {
    title: "Ephemeral Resource",
    dir: "ephemeral-resources",
    example: "ephemeral-resource.tf",
    requirement: Some(
        "-> Ephemeral resources need Terraform 1.10 or later (OpenTofu 1.11 or later). Their values are never written to the plan or state.",
    ),
};
const LIST: Kind = Kind {
    title: "List Resource",
    dir: "list-resources",
    example: "list-resource.tfquery.hcl",
    requirement: Some(
        "-> List resources are used by `terraform query` and need Terraform 1.14 or later.",
    ),
};

const ACTION: Kind = Kind {
    title: "Action",
    dir: "actions",
    example: "action.tf",
    requirement: Some(
        "-> Actions need Terraform 1.14 or later. Invoke one with `terraform apply -invoke=action.TYPE.NAME`, or run it from a resource's `lifecycle { action_trigger { ... } }`.",
    ),
};

/// `docs/index.md`.
pub(crate) fn index_page(
    repo: &Repo,
    provider: &str,
    schema: &Schema,
) -> Result<String, DocsError> {
    let description = schema.block.description.trim().to_string();
    let example = match repo.read("examples/provider/provider.tf")? {
        Some(text) => format!("## Example Usage\n\n{}", code_block("terraform", &text)),
        None => String::new(),
    };
    let context = Context::default()
        .with("Name", provider)
        .with("Type", "Provider")
        .with("ProviderName", provider)
        .with("Description", description.as_str())
        .with("ProviderVersion", env!("CARGO_PKG_VERSION"))
        .with("Example", example.as_str())
        .with("Import", "")
        .with("SchemaMarkdown", render_schema(&schema.block));
    if let Some(text) = repo.template("index.md.tmpl", &context)? {
        return Ok(finish(text));
    }
    let mut page = front_matter(&format!("{provider} Provider"), &description);
    page.push_str(&format!("# {provider} Provider\n\n{description}\n\n"));
    push_section(&mut page, &example);
    push_section(&mut page, &render_schema(&schema.block));
    Ok(finish(page))
}

/// `docs/resources/<name>.md`.
pub(crate) fn resource_page(
    repo: &Repo,
    provider: &str,
    resource: &dyn Resource,
) -> Result<(String, String), DocsError> {
    let name = resource.type_name();
    let schema = resource.schema();
    let import = import_section(
        repo,
        name,
        &schema.block.description,
        resource.identity_schema().as_ref(),
    )?;
    schema_page(repo, provider, RESOURCE, name, &schema, &import)
}

/// `docs/data-sources/<name>.md`.
pub(crate) fn data_source_page(
    repo: &Repo,
    provider: &str,
    data_source: &dyn DataSource,
) -> Result<(String, String), DocsError> {
    schema_page(
        repo,
        provider,
        DATA_SOURCE,
        data_source.type_name(),
        &data_source.schema(),
        "",
    )
}

/// `docs/ephemeral-resources/<name>.md`.
pub(crate) fn ephemeral_page(
    repo: &Repo,
    provider: &str,
    ephemeral: &dyn EphemeralResource,
) -> Result<(String, String), DocsError> {
    schema_page(
        repo,
        provider,
        EPHEMERAL,
        ephemeral.type_name(),
        &ephemeral.schema(),
        "",
    )
}

/// `docs/list-resources/<name>.md`: the schema of the `config` block of a `list` block.
pub(crate) fn list_resource_page(
    repo: &Repo,
    provider: &str,
    list: &dyn ListResource,
) -> Result<(String, String), DocsError> {
    schema_page(repo, provider, LIST, list.type_name(), &list.schema(), "")
}

/// `docs/actions/<name>.md`.
pub(crate) fn action_page(
    repo: &Repo,
    provider: &str,
    action: &dyn Action,
) -> Result<(String, String), DocsError> {
    schema_page(
        repo,
        provider,
        ACTION,
        action.type_name(),
        &action.schema(),
        "",
    )
}

fn schema_page(
    repo: &Repo,
    provider: &str,
    kind: Kind,
    name: &str,
    schema: &Schema,
    import: &str,
) -> Result<(String, String), DocsError> {
    let short = short_name(provider, name);
    let file = format!("{}/{short}.md", kind.dir);
    let description = schema.block.description.trim().to_string();
    let example = match repo.read(&format!("examples/{}/{name}/{}", kind.dir, kind.example))? {
        Some(text) => format!("## Example Usage\n\n{}", code_block("terraform", &text)),
        None => String::new(),
    };
    let schema_markdown = render_schema(&schema.block);
    let context = Context::default()
        .with("Name", name)
        .with("Type", kind.title)
        .with("ProviderName", provider)
        .with("Description", description.as_str())
        .with("Example", example.as_str())
        .with("Import", import)
        .with("SchemaMarkdown", schema_markdown.as_str());
    if let Some(text) = repo.template(&format!("{}/{short}.md.tmpl", kind.dir), &context)? {
        return Ok((file, finish(text)));
    }
    let mut page = front_matter(&format!("{name} {} - {provider}", kind.title), &description);
    page.push_str(&format!("# {name} ({})\n\n", kind.title));
    if schema.block.deprecated {
        page.push_str(&format!(
            "~> **Deprecated:** this {} is deprecated.\n\n",
            kind.title.to_lowercase()
        ));
    }
    push_section(&mut page, &description);
    if let Some(requirement) = kind.requirement {
        push_section(&mut page, requirement);
    }
    push_section(&mut page, &example);
    push_section(&mut page, &schema_markdown);
    push_section(&mut page, import);
    Ok((file, finish(page)))
}

/// `## Import`: `import` blocks by id and by identity, the identity schema,
/// and the `terraform import` command from `import.sh`. Empty when the
/// resource documents no way to import.
fn import_section(
    repo: &Repo,
    name: &str,
    description: &str,
    identity: Option<&IdentitySchema>,
) -> Result<String, DocsError> {
    let dir = format!("examples/resources/{name}");
    let mut script = repo.read(&format!("{dir}/import.sh"))?;
    let commands = match &script {
        Some(text) => import_commands(text),
        None => {
            // Without an import.sh, use the `terraform import …` example the
            // resource description gives (each resource documents its id).
            let commands = description_import_commands(description);
            if !commands.is_empty() {
                let lines: Vec<String> = commands
                    .iter()
                    .map(|(address, id)| format!("terraform import {address} {}", shell_quote(id)))
                    .collect();
                script = Some(lines.join("\n"));
            }
            commands
        }
    };
    let by_id = match repo.read(&format!("{dir}/import-by-string-id.tf"))? {
        Some(text) => Some(text),
        None if !commands.is_empty() => Some(
            commands
                .iter()
                .map(|(address, id)| {
                    format!(
                        "import {{\n  to = {address}\n  id = {}\n}}\n",
                        serde_json::Value::String(id.clone())
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        None => None,
    };
    let by_identity = match (
        repo.read(&format!("{dir}/import-by-identity.tf"))?,
        identity,
    ) {
        (Some(text), _) => Some(text),
        (None, Some(identity)) if !identity.attributes.is_empty() => {
            Some(identity_import_block(name, identity, &commands))
        }
        (None, _) => None,
    };
    if script.is_none() && by_id.is_none() && by_identity.is_none() {
        return Ok(String::new());
    }
    let mut out = String::from("## Import\n\nImport is supported using the following syntax:\n");
    if let Some(block) = by_id {
        out.push_str(
            "\nIn Terraform v1.5.0 and later (and OpenTofu), the [`import` block](https://developer.hashicorp.com/terraform/language/import) can be used with the `id` attribute, for example:\n\n",
        );
        out.push_str(&code_block("terraform", &block));
        out.push('\n');
    }
    if let Some(block) = by_identity {
        out.push_str(
            "\nIn Terraform v1.12.0 and later, the [`import` block](https://developer.hashicorp.com/terraform/language/import) can be used with the `identity` attribute, for example:\n\n",
        );
        out.push_str(&code_block("terraform", &block));
        out.push('\n');
        if let Some(identity) = identity {
            out.push('\n');
            out.push_str(&render_identity(identity));
        }
    }
    if let Some(script) = script {
        out.push_str(
            "\nThe [`terraform import` command](https://developer.hashicorp.com/terraform/cli/commands/import) can be used, for example:\n\n",
        );
        out.push_str(&code_block("shell", &script));
        out.push('\n');
    }
    Ok(out)
}

/// An `import` block with `identity`. With a single identity attribute the
/// id from `import.sh` is the value; otherwise each value names its attribute.
fn identity_import_block(
    name: &str,
    identity: &IdentitySchema,
    commands: &[(String, String)],
) -> String {
    let address = commands
        .first()
        .map(|(address, _)| address.clone())
        .unwrap_or_else(|| format!("{name}.example"));
    let mut attributes: Vec<_> = identity.attributes.iter().collect();
    attributes.sort_by(|a, b| a.name.cmp(&b.name));
    let width = attributes.iter().map(|a| a.name.len()).max().unwrap_or(0);
    let single_id = match (attributes.as_slice(), commands.first()) {
        ([only], Some((_, id))) if only.ty == tfplugin::value::Type::String => Some(id.clone()),
        _ => None,
    };
    let mut block = format!("import {{\n  to = {address}\n  identity = {{\n");
    for attribute in attributes {
        let value = single_id
            .clone()
            .unwrap_or_else(|| format!("<{}>", attribute.name));
        block.push_str(&format!(
            "    {:width$} = {}\n",
            attribute.name,
            serde_json::Value::String(value),
            width = width
        ));
    }
    block.push_str("  }\n}\n");
    block
}

/// `(address, id)` of every `` `terraform import ADDRESS ID` `` code span in
/// a description.
pub(crate) fn description_import_commands(description: &str) -> Vec<(String, String)> {
    description
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|span| span.trim_start().starts_with("terraform import "))
        .flat_map(import_commands)
        .collect()
}

/// `text` as one shell word: bare when that is safe, else single-quoted.
fn shell_quote(text: &str) -> String {
    let safe = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@._/:,+=-".contains(c));
    if safe {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// `(address, id)` of every `terraform import ADDRESS ID` line of a script.
pub(crate) fn import_commands(script: &str) -> Vec<(String, String)> {
    script
        .lines()
        .filter_map(|line| {
            let words = shell_words(line.trim());
            let rest = match words.as_slice() {
                [terraform, import, rest @ ..]
                    if (terraform == "terraform" || terraform == "tofu") && import == "import" =>
                {
                    rest
                }
                _ => return None,
            };
            let positional: Vec<&String> = rest.iter().filter(|w| !w.starts_with('-')).collect();
            match positional.as_slice() {
                [address, id] => Some(((*address).clone(), (*id).clone())),
                _ => None,
            }
        })
        .collect()
}

/// Splits a shell line into words, honouring '…', "…" and `#` comments.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '#' if !in_word => break,
            '\'' => {
                in_word = true;
                word.extend(chars.by_ref().take_while(|&c| c != '\''));
            }
            '"' => {
                in_word = true;
                word.extend(chars.by_ref().take_while(|&c| c != '"'));
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// `docs/functions/<name>.md`.
pub(crate) fn function_page(
    repo: &Repo,
    provider: &str,
    function: &dyn Function,
) -> Result<(String, String), DocsError> {
    let name = function.name();
    let signature = function.signature();
    let file = format!("functions/{name}.md");
    let summary = signature.summary.trim();
    let description = signature.description.trim();
    let mut page = front_matter(&format!("{name} function - {provider}"), summary);
    page.push_str(&format!("# function: {name}\n\n"));
    if !signature.deprecation_message.trim().is_empty() {
        page.push_str(&format!(
            "~> **Deprecated:** {}\n\n",
            signature.deprecation_message.trim()
        ));
    }
    push_section(
        &mut page,
        if description.is_empty() {
            summary
        } else {
            description
        },
    );
    push_section(
        &mut page,
        "-> Provider functions need Terraform 1.8 or later (OpenTofu 1.7 or later). Call them as `provider::pve::NAME(…)`."
            .replace("pve", provider)
            .replace("NAME", name)
            .as_str(),
    );
    if let Some(text) = repo.read(&format!("examples/functions/{name}/function.tf"))? {
        push_section(
            &mut page,
            &format!("## Example Usage\n\n{}", code_block("terraform", &text)),
        );
    }
    let mut parameters: Vec<String> = signature
        .parameters
        .iter()
        .map(|p| format!("{} {}", p.name, hcl_type(&p.ty)))
        .collect();
    if let Some(variadic) = &signature.variadic {
        parameters.push(format!("{}... {}", variadic.name, hcl_type(&variadic.ty)));
    }
    push_section(
        &mut page,
        &format!(
            "## Signature\n\n{}",
            code_block(
                "text",
                &format!(
                    "{name}({}) {}",
                    parameters.join(", "),
                    hcl_type(&signature.return_type)
                )
            )
        ),
    );
    let mut arguments = Vec::new();
    for (index, parameter) in signature.parameters.iter().enumerate() {
        let nullable = if parameter.allow_null {
            ", Nullable"
        } else {
            ""
        };
        arguments.push(format!(
            "{}. `{}` ({}{nullable}) {}",
            index + 1,
            parameter.name,
            type_name(&parameter.ty),
            parameter.description.trim()
        ));
    }
    if let Some(variadic) = &signature.variadic {
        arguments.push(format!(
            "{}. `{}` (Variadic, {}) {}",
            arguments.len() + 1,
            variadic.name,
            type_name(&variadic.ty),
            variadic.description.trim()
        ));
    }
    if !arguments.is_empty() {
        let lines: Vec<String> = arguments.iter().map(|a| a.trim_end().to_string()).collect();
        push_section(&mut page, &format!("## Arguments\n\n{}", lines.join("\n")));
    }
    Ok((file, finish(page)))
}

/// Every `templates/guides/*.md`, verbatim, as `guides/<file>`.
pub(crate) fn guides(repo: &Repo) -> Result<Vec<(String, String)>, DocsError> {
    let dir = repo.root.join("templates/guides");
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(DocsError::io(&dir, error)),
    };
    let mut guides = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| DocsError::io(&dir, e))?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if !file_name.ends_with(".md") {
            continue;
        }
        let path = entry.path();
        let text = std::fs::read_to_string(&path).map_err(|e| DocsError::io(&path, e))?;
        guides.push((format!("guides/{file_name}"), text));
    }
    guides.sort();
    Ok(guides)
}

/// `pve_user` → `user`: the Registry file name has no provider prefix.
fn short_name<'a>(provider: &str, name: &'a str) -> &'a str {
    name.strip_prefix(provider)
        .and_then(|rest| rest.strip_prefix('_'))
        .unwrap_or(name)
}

/// YAML front matter with the plain-text description as a literal block.
fn front_matter(title: &str, description: &str) -> String {
    let plain = plain_text(description);
    let mut out = format!(
        "---\npage_title: \"{}\"\nsubcategory: \"\"\n",
        title.replace('"', "'")
    );
    if plain.is_empty() {
        out.push_str("description: \"\"\n");
    } else {
        out.push_str("description: |-\n");
        for line in plain.lines() {
            if line.trim().is_empty() {
                out.push('\n');
            } else {
                out.push_str(&format!("  {line}\n"));
            }
        }
    }
    out.push_str("---\n\n");
    out
}

/// Markdown reduced to plain text for the front matter: no backticks,
/// emphasis markers or link targets.
pub(crate) fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut rest = markdown.trim();
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find("](").and_then(|mid| {
            after[mid + 2..]
                .find(')')
                .map(|close| (mid, mid + 2 + close))
        }) {
            Some((mid, close)) if !after[..mid].contains(']') => {
                out.push_str(&after[..mid]);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.replace('`', "").replace("**", "")
}

fn push_section(page: &mut String, section: &str) {
    let section = section.trim();
    if !section.is_empty() {
        page.push_str(section);
        page.push_str("\n\n");
    }
}

/// Exactly one trailing newline.
fn finish(mut page: String) -> String {
    let trimmed = page.trim_end().len();
    page.truncate(trimmed);
    page.push('\n');
    page
}
