//! The generator against a small made-up provider whose schema exercises
//! every rendering rule, in a scratch repository.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::{
    ClientInfo, DataSource, Function, FunctionError, FunctionParameter, FunctionSignature,
    ImportRequest, Provider, Resource, ResourceState,
};
use tfplugin::schema::{
    Attribute, Block, IdentityAttribute, IdentitySchema, NestedBlock, Nesting, Schema,
};
use tfplugin::value::{Type, Value};

use super::pages::{import_commands, plain_text};
use super::{Difference, DocsError, generate, missing_descriptions, template};

#[derive(Debug)]
struct FakeProvider {
    describe_everything: bool,
}

#[async_trait]
impl Provider for FakeProvider {
    fn type_name(&self) -> &str {
        "fake"
    }
    fn schema(&self) -> Schema {
        Schema::new(Block {
            description: "A provider for tests.".into(),
            attributes: vec![
                Attribute::optional("endpoint", Type::String).description("Where to connect."),
                Attribute::optional("token", Type::String)
                    .sensitive()
                    .description("The secret."),
            ],
            ..Block::default()
        })
    }
    async fn configure(&self, _config: &Value, _client: &ClientInfo) -> Diagnostics {
        Diagnostics::new()
    }
    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![Arc::new(FakeThing {
            describe_everything: self.describe_everything,
        })]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        vec![Arc::new(FakeLookup)]
    }
    fn functions(&self) -> Vec<Arc<dyn Function>> {
        vec![Arc::new(FakeFunction)]
    }
}

#[derive(Debug)]
struct FakeThing {
    describe_everything: bool,
}

#[async_trait]
impl Resource for FakeThing {
    fn type_name(&self) -> &str {
        "fake_thing"
    }
    fn schema(&self) -> Schema {
        let member = Type::Object {
            attributes: BTreeMap::from([
                ("id".to_string(), Type::String),
                ("kind".to_string(), Type::String),
            ]),
            optional: BTreeSet::new(),
        };
        let comment = Attribute::optional("comment", Type::String);
        let comment = if self.describe_everything {
            comment.description("A note for humans.")
        } else {
            comment
        };
        Schema::new(Block {
            description: "Manages a **thing**. Import it by name: `terraform import fake_thing.NAME my!thing`.".into(),
            attributes: vec![
                Attribute::required("name", Type::String)
                    .requires_replace()
                    .description("The thing's name."),
                comment,
                Attribute::optional("enabled", Type::Bool)
                    .default_value(Value::Bool(true))
                    .description("Whether the thing works."),
                Attribute::optional("password", Type::String)
                    .sensitive()
                    .write_only()
                    .description("Never stored."),
                Attribute::optional("legacy", Type::String)
                    .deprecated()
                    .description("Use `name`."),
                Attribute::optional("tags", Type::Set(Box::new(Type::String)))
                    .description("Labels."),
                Attribute::computed("members", Type::List(Box::new(member)))
                    .description("What the thing holds."),
                Attribute::computed("id", Type::String).description("The thing's id."),
            ],
            blocks: vec![NestedBlock {
                type_name: "limits".into(),
                nesting: Nesting::List,
                min_items: 1,
                max_items: 1,
                block: Block {
                    description: "How much the thing may use.".into(),
                    attributes: vec![
                        Attribute::required("memory", Type::Number).description("Bytes."),
                    ],
                    ..Block::default()
                },
            }],
            ..Block::default()
        })
    }
    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema {
            version: 0,
            attributes: vec![IdentityAttribute {
                name: "name".into(),
                ty: Type::String,
                required_for_import: true,
                optional_for_import: false,
                description: "The thing's name.".into(),
            }],
        })
    }
    async fn create(
        &self,
        _planned: &Value,
        _config: &Value,
    ) -> Result<ResourceState, Diagnostics> {
        Err(Diagnostics::new())
    }
    async fn read(&self, _current: &ResourceState) -> Result<Option<ResourceState>, Diagnostics> {
        Ok(None)
    }
    async fn update(
        &self,
        _prior: &ResourceState,
        _planned: &Value,
        _config: &Value,
    ) -> Result<ResourceState, Diagnostics> {
        Err(Diagnostics::new())
    }
    async fn delete(&self, _prior: &ResourceState) -> Result<(), Diagnostics> {
        Ok(())
    }
    async fn import(&self, _request: &ImportRequest) -> Result<Vec<ResourceState>, Diagnostics> {
        Ok(Vec::new())
    }
}

#[derive(Debug)]
struct FakeLookup;

#[async_trait]
impl DataSource for FakeLookup {
    fn type_name(&self) -> &str {
        "fake_lookup"
    }
    fn schema(&self) -> Schema {
        Schema::new(Block {
            description: "Looks a thing up.".into(),
            attributes: vec![
                Attribute::required("name", Type::String).description("What to look up."),
                Attribute::computed("found", Type::Bool).description("Whether it exists."),
            ],
            ..Block::default()
        })
    }
    async fn read(&self, config: &Value) -> Result<Value, Diagnostics> {
        Ok(config.clone())
    }
}

#[derive(Debug)]
struct FakeFunction;

#[async_trait]
impl Function for FakeFunction {
    fn name(&self) -> &str {
        "parse_thing"
    }
    fn signature(&self) -> FunctionSignature {
        FunctionSignature {
            parameters: vec![FunctionParameter {
                name: "text".into(),
                ty: Type::String,
                description: "The thing id.".into(),
                ..FunctionParameter::default()
            }],
            return_type: Type::Map(Box::new(Type::String)),
            summary: "Splits a thing id.".into(),
            ..FunctionSignature::default()
        }
    }
    async fn call(&self, _arguments: Vec<Value>) -> Result<Value, FunctionError> {
        Ok(Value::Null)
    }
}

fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// A scratch repository with examples, an import script and a guide.
fn scratch_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        "examples/provider/provider.tf",
        "provider \"fake\" {}\n",
    );
    write(
        root,
        "examples/resources/fake_thing/resource.tf",
        "resource \"fake_thing\" \"example\" {\n  name = \"a\"\n}\n",
    );
    write(
        root,
        "examples/resources/fake_thing/import.sh",
        "# Import by name.\nterraform import fake_thing.example 'my thing'\n",
    );
    write(
        root,
        "templates/guides/hello.md",
        "---\npage_title: \"Hello\"\n---\n\n# Hello\n",
    );
    write(root, "templates/guides/notes.txt", "not a guide");
    write(
        root,
        "templates/other.md",
        "not a page: only templates/guides/ are copied",
    );
    dir
}

fn fake() -> FakeProvider {
    FakeProvider {
        describe_everything: true,
    }
}

#[test]
fn pages_land_in_the_registry_layout() {
    let repo = scratch_repo();
    let docs = generate(&fake(), repo.path()).expect("generate");
    let files: Vec<&str> = docs.files().keys().map(String::as_str).collect();
    assert_eq!(
        files,
        [
            "data-sources/lookup.md",
            "functions/parse_thing.md",
            "guides/hello.md",
            "index.md",
            "resources/thing.md"
        ]
    );
    assert_eq!(
        docs.files()["guides/hello.md"],
        "---\npage_title: \"Hello\"\n---\n\n# Hello\n"
    );
}

#[test]
fn resource_page_renders_the_schema_like_tfplugindocs() {
    let repo = scratch_repo();
    let docs = generate(&fake(), repo.path()).expect("generate");
    let page = &docs.files()["resources/thing.md"];
    assert!(
        page.starts_with(
            "---\npage_title: \"fake_thing Resource - fake\"\nsubcategory: \"\"\ndescription: |-\n  Manages a thing. Import it by name: terraform import fake_thing.NAME my!thing.\n---\n\n# fake_thing (Resource)\n\nManages a **thing**."
        ),
        "{page}"
    );
    assert!(page.contains("## Example Usage\n\n```terraform\nresource \"fake_thing\" \"example\" {\n  name = \"a\"\n}\n```"));
    let required = page.find("### Required").expect("required");
    let optional = page.find("### Optional").expect("optional");
    let read_only = page.find("### Read-Only").expect("read-only");
    assert!(required < optional && optional < read_only);
    for line in [
        "- `name` (String) The thing's name. Changing it replaces the resource.",
        "- `limits` (Block List, Min: 1, Max: 1) How much the thing may use. (see [below for nested schema](#nestedblock--limits))",
        "- `enabled` (Boolean) Whether the thing works. Defaults to `true`.",
        "- `password` (String, Sensitive, [Write-only](https://developer.hashicorp.com/terraform/language/resources/ephemeral#write-only-arguments)) Never stored.",
        "- `legacy` (String, Deprecated) Use `name`.",
        "- `tags` (Set of String) Labels.",
        "- `members` (List of Object) What the thing holds. (see [below for nested schema](#nestedatt--members))",
        "<a id=\"nestedblock--limits\"></a>\n### Nested Schema for `limits`\n\nRequired:\n\n- `memory` (Number) Bytes.",
        "<a id=\"nestedatt--members\"></a>\n### Nested Schema for `members`\n\nRead-Only:\n\n- `id` (String)\n- `kind` (String)",
    ] {
        assert!(page.contains(line), "missing {line:?} in\n{page}");
    }
    // Alphabetical inside a group: comment, enabled, legacy, password, tags.
    let positions: Vec<usize> = ["`comment`", "`enabled`", "`legacy`", "`password`", "`tags`"]
        .iter()
        .map(|n| page.find(n).expect(n))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{page}");
}

#[test]
fn import_section_comes_from_import_sh_and_the_identity_schema() {
    let repo = scratch_repo();
    let docs = generate(&fake(), repo.path()).expect("generate");
    let page = &docs.files()["resources/thing.md"];
    let import = &page[page.find("## Import").expect("import section")..];
    assert!(
        import.contains(
            "```terraform\nimport {\n  to = fake_thing.example\n  id = \"my thing\"\n}\n```"
        ),
        "{import}"
    );
    assert!(
        import.contains(
            "import {\n  to = fake_thing.example\n  identity = {\n    name = \"my thing\"\n  }\n}"
        ),
        "{import}"
    );
    assert!(
        import.contains(
            "### Identity Schema\n\n#### Required\n\n- `name` (String) The thing's name."
        ),
        "{import}"
    );
    assert!(
        import.contains(
            "```shell\n# Import by name.\nterraform import fake_thing.example 'my thing'\n```"
        ),
        "{import}"
    );
    assert!(page.ends_with("```\n") && !page.ends_with("\n\n"));
}

#[test]
fn without_import_sh_the_description_supplies_the_import_example() {
    let repo = scratch_repo();
    std::fs::remove_file(repo.path().join("examples/resources/fake_thing/import.sh"))
        .expect("remove");
    let docs = generate(&fake(), repo.path()).expect("generate");
    let page = &docs.files()["resources/thing.md"];
    let import = &page[page.find("## Import").expect("import section")..];
    assert!(
        import.contains("import {\n  to = fake_thing.NAME\n  id = \"my!thing\"\n}"),
        "{import}"
    );
    assert!(import.contains("    name = \"my!thing\"\n"), "{import}");
    assert!(
        import.contains("```shell\nterraform import fake_thing.NAME 'my!thing'\n```"),
        "{import}"
    );
}

#[test]
fn data_source_function_and_index_pages() {
    let repo = scratch_repo();
    let docs = generate(&fake(), repo.path()).expect("generate");
    let lookup = &docs.files()["data-sources/lookup.md"];
    assert!(lookup.contains("# fake_lookup (Data Source)"));
    assert!(lookup.contains("### Read-Only\n\n- `found` (Boolean) Whether it exists."));
    assert!(!lookup.contains("## Import"));

    let function = &docs.files()["functions/parse_thing.md"];
    assert!(function.contains("# function: parse_thing"));
    assert!(
        function.contains("```text\nparse_thing(text string) map(string)\n```"),
        "{function}"
    );
    assert!(function.contains("1. `text` (String) The thing id."));

    let index = &docs.files()["index.md"];
    assert!(index.contains("# fake Provider"));
    assert!(index.contains("```terraform\nprovider \"fake\" {}\n```"));
    assert!(index.contains("- `token` (String, Sensitive) The secret."));
}

#[test]
fn index_template_placeholders_are_filled_and_typos_are_errors() {
    let repo = scratch_repo();
    write(
        repo.path(),
        "templates/index.md.tmpl",
        "# {{ .ProviderName }}\n\n{{ .Description }}\n\n{{ tffile \"examples/provider/provider.tf\" }}\n\n{{ .SchemaMarkdown }}\n",
    );
    let docs = generate(&fake(), repo.path()).expect("generate");
    let index = &docs.files()["index.md"];
    assert!(
        index.starts_with(
            "# fake\n\nA provider for tests.\n\n```terraform\nprovider \"fake\" {}\n```\n\n"
        ),
        "{index}"
    );
    assert!(index.contains("### Optional\n\n- `endpoint` (String) Where to connect."));

    write(repo.path(), "templates/index.md.tmpl", "{{ .Schema }}\n");
    match generate(&fake(), repo.path()) {
        Err(DocsError::Template { message, .. }) => {
            assert!(message.contains("{{ .Schema }}"), "{message}")
        }
        other => panic!("expected a template error, got {other:?}"),
    }
}

#[test]
fn template_reports_unclosed_and_unknown_directives() {
    let root = Path::new("/nonexistent");
    let context = template::Context::default().with("Name", "x");
    let path = Path::new("t.md.tmpl");
    assert_eq!(
        template::render("a {{ .Name }} b", path, &context, root).expect("render"),
        "a x b"
    );
    assert!(template::render("{{ .Name", path, &context, root).is_err());
    assert!(template::render("{{ include \"x\" }}", path, &context, root).is_err());
    assert!(template::render("{{ tffile \"missing.tf\" }}", path, &context, root).is_err());
}

#[test]
fn compare_and_write_keep_a_directory_in_sync() {
    let repo = scratch_repo();
    let docs = generate(&fake(), repo.path()).expect("generate");
    let out = repo.path().join("docs");

    let before = docs.compare(&out).expect("compare");
    assert_eq!(before.len(), docs.files().len());
    assert!(before.iter().all(|d| matches!(d, Difference::Missing(_))));

    docs.write_to(&out).expect("write");
    assert_eq!(docs.compare(&out).expect("compare"), Vec::new());

    write(&out, "resources/removed.md", "old\n");
    write(&out, "index.md", "edited by hand\n");
    std::fs::remove_file(out.join("guides/hello.md")).expect("remove");
    let differences = docs.compare(&out).expect("compare");
    assert_eq!(
        differences,
        vec![
            Difference::Missing("guides/hello.md".into()),
            Difference::Changed("index.md".into()),
            Difference::Stray("resources/removed.md".into()),
        ]
    );
    assert_eq!(
        differences[2].to_string(),
        "stray:   docs/resources/removed.md"
    );

    docs.write_to(&out).expect("write again");
    assert_eq!(docs.compare(&out).expect("compare"), Vec::new());
    assert!(!out.join("resources/removed.md").exists());

    // A stray file alone in its directory takes the directory with it.
    write(&out, "ephemeral-resources/gone.md", "old\n");
    docs.write_to(&out).expect("write again");
    assert!(!out.join("ephemeral-resources").exists());
}

#[test]
fn missing_descriptions_are_listed_by_owner_and_attribute() {
    assert_eq!(missing_descriptions(&fake()), Vec::<String>::new());
    let sloppy = FakeProvider {
        describe_everything: false,
    };
    assert_eq!(
        missing_descriptions(&sloppy),
        vec!["resource fake_thing: attribute comment".to_string()]
    );
}

#[test]
fn not_a_repository_root_is_a_clear_error() {
    let empty = tempfile::tempdir().expect("tempdir");
    let error = generate(&fake(), empty.path()).expect_err("no examples or templates");
    assert!(error.to_string().contains("repository root"), "{error}");
}

#[test]
fn import_commands_understand_shell_quoting() {
    let script = "#!/bin/sh\n# comment\nterraform import pve_acl.a '/vms/100!token!PVEAuditor'\n\
                  terraform import -input=false pve_user.b \"ci@pve\" # trailing\ntofu import pve_role.c Ops\necho done\n";
    assert_eq!(
        import_commands(script),
        vec![
            (
                "pve_acl.a".to_string(),
                "/vms/100!token!PVEAuditor".to_string()
            ),
            ("pve_user.b".to_string(), "ci@pve".to_string()),
            ("pve_role.c".to_string(), "Ops".to_string()),
        ]
    );
}

#[test]
fn plain_text_drops_markdown_markup() {
    assert_eq!(
        plain_text("Use **`api_token`**, see [the guide](guides/x.md) [sic]."),
        "Use api_token, see the guide [sic]."
    );
}
