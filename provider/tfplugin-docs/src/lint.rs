//! Every documented thing needs words: the pages are generated from the
//! schema, so an empty description becomes a silent hole in the docs.

use tfplugin::provider::Provider;
use tfplugin::schema::Block;

/// Every type, attribute, nested block, identity attribute and function
/// parameter of `provider` whose description is empty, as readable paths
/// such as `resource pve_user: attribute comment`. Empty when all are described.
pub fn missing_descriptions(provider: &dyn Provider) -> Vec<String> {
    let mut missing = Vec::new();
    let name = provider.type_name().to_string();
    check_block(
        &format!("provider {name}"),
        &provider.schema().block,
        true,
        &mut missing,
    );
    for resource in provider.resources() {
        let owner = format!("resource {}", resource.type_name());
        check_block(&owner, &resource.schema().block, true, &mut missing);
        if let Some(identity) = resource.identity_schema() {
            for attribute in identity.attributes {
                if attribute.description.trim().is_empty() {
                    missing.push(format!("{owner}: identity attribute {}", attribute.name));
                }
            }
        }
    }
    for data_source in provider.data_sources() {
        check_block(
            &format!("data source {}", data_source.type_name()),
            &data_source.schema().block,
            true,
            &mut missing,
        );
    }
    for ephemeral in provider.ephemeral_resources() {
        check_block(
            &format!("ephemeral resource {}", ephemeral.type_name()),
            &ephemeral.schema().block,
            true,
            &mut missing,
        );
    }
    for action in provider.actions() {
        check_block(
            &format!("action {}", action.type_name()),
            &action.schema().block,
            true,
            &mut missing,
        );
    }
    for list in provider.list_resources() {
        // The config block of a list resource has no page-level description of its own.
        check_block(
            &format!("list resource {}", list.type_name()),
            &list.schema().block,
            false,
            &mut missing,
        );
    }
    for function in provider.functions() {
        let owner = format!("function {}", function.name());
        let signature = function.signature();
        if signature.summary.trim().is_empty() && signature.description.trim().is_empty() {
            missing.push(format!("{owner}: summary"));
        }
        for parameter in signature.parameters.iter().chain(signature.variadic.iter()) {
            if parameter.description.trim().is_empty() {
                missing.push(format!("{owner}: parameter {}", parameter.name));
            }
        }
    }
    missing
}

fn check_block(owner: &str, block: &Block, needs_description: bool, missing: &mut Vec<String>) {
    if needs_description && block.description.trim().is_empty() {
        missing.push(format!("{owner}: description"));
    }
    for attribute in &block.attributes {
        if attribute.description.trim().is_empty() {
            missing.push(format!("{owner}: attribute {}", attribute.name));
        }
    }
    for nested in &block.blocks {
        check_block(
            &format!("{owner}: block {}", nested.type_name),
            &nested.block,
            true,
            missing,
        );
    }
}
