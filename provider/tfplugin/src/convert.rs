//! Translation between the framework types (schemas, diagnostics, paths,
//! client facts) and the generated protocol messages.

use crate::diag::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
use crate::proto::tfplugin6 as pb;
use crate::provider::{ClientInfo, FunctionError, FunctionParameter, FunctionSignature};
use crate::schema::{
    Attribute, Block, IdentityAttribute, IdentitySchema, NestedBlock, Nesting, Schema, StringKind,
};
use crate::value::Type;
use crate::wire;

pub(crate) fn string_kind(kind: StringKind) -> i32 {
    match kind {
        StringKind::Plain => pb::StringKind::Plain as i32,
        StringKind::Markdown => pb::StringKind::Markdown as i32,
    }
}

pub(crate) fn schema(schema: &Schema) -> pb::Schema {
    pb::Schema {
        version: schema.version,
        block: Some(block(&schema.block, schema.version)),
    }
}

fn block(block: &Block, version: i64) -> pb::schema::Block {
    pb::schema::Block {
        version,
        attributes: block.attributes.iter().map(attribute).collect(),
        block_types: block.blocks.iter().map(nested_block).collect(),
        description: block.description.clone(),
        description_kind: string_kind(block.description_kind),
        deprecated: block.deprecated,
        deprecation_message: String::new(),
    }
}

fn attribute(attribute: &Attribute) -> pb::schema::Attribute {
    pb::schema::Attribute {
        name: attribute.name.clone(),
        r#type: wire::type_json(&attribute.ty),
        nested_type: None,
        description: attribute.description.clone(),
        required: attribute.required,
        optional: attribute.optional,
        computed: attribute.computed,
        sensitive: attribute.sensitive,
        description_kind: string_kind(attribute.description_kind),
        deprecated: attribute.deprecated,
        write_only: attribute.write_only,
        deprecation_message: String::new(),
    }
}

fn nested_block(nested: &NestedBlock) -> pb::schema::NestedBlock {
    use pb::schema::nested_block::NestingMode;
    let nesting = match nested.nesting {
        Nesting::Single => NestingMode::Single,
        Nesting::Group => NestingMode::Group,
        Nesting::List => NestingMode::List,
        Nesting::Set => NestingMode::Set,
        Nesting::Map => NestingMode::Map,
    };
    pb::schema::NestedBlock {
        type_name: nested.type_name.clone(),
        block: Some(block(&nested.block, 0)),
        nesting: nesting as i32,
        min_items: nested.min_items,
        max_items: nested.max_items,
    }
}

pub(crate) fn identity_schema(schema: &IdentitySchema) -> pb::ResourceIdentitySchema {
    pb::ResourceIdentitySchema {
        version: schema.version,
        identity_attributes: schema.attributes.iter().map(identity_attribute).collect(),
    }
}

fn identity_attribute(
    attribute: &IdentityAttribute,
) -> pb::resource_identity_schema::IdentityAttribute {
    pb::resource_identity_schema::IdentityAttribute {
        name: attribute.name.clone(),
        r#type: wire::type_json(&attribute.ty),
        required_for_import: attribute.required_for_import,
        optional_for_import: attribute.optional_for_import,
        description: attribute.description.clone(),
    }
}

pub(crate) fn function(signature: &FunctionSignature) -> pb::Function {
    pb::Function {
        parameters: signature.parameters.iter().map(parameter).collect(),
        variadic_parameter: signature.variadic.as_ref().map(parameter),
        r#return: Some(pb::function::Return {
            r#type: wire::type_json(&signature.return_type),
        }),
        summary: signature.summary.clone(),
        description: signature.description.clone(),
        description_kind: string_kind(StringKind::Markdown),
        deprecation_message: signature.deprecation_message.clone(),
    }
}

fn parameter(parameter: &FunctionParameter) -> pb::function::Parameter {
    pb::function::Parameter {
        name: parameter.name.clone(),
        r#type: wire::type_json(&parameter.ty),
        allow_null_value: parameter.allow_null,
        allow_unknown_values: parameter.allow_unknown,
        description: parameter.description.clone(),
        description_kind: string_kind(StringKind::Markdown),
    }
}

pub(crate) fn function_error(error: FunctionError) -> pb::FunctionError {
    pb::FunctionError {
        text: error.text,
        function_argument: error.argument,
    }
}

pub(crate) fn diagnostics(diagnostics: Diagnostics) -> Vec<pb::Diagnostic> {
    diagnostics.0.into_iter().map(diagnostic).collect()
}

fn diagnostic(diagnostic: Diagnostic) -> pb::Diagnostic {
    let severity = match diagnostic.severity {
        Severity::Error => pb::diagnostic::Severity::Error,
        Severity::Warning => pb::diagnostic::Severity::Warning,
    };
    pb::Diagnostic {
        severity: severity as i32,
        summary: diagnostic.summary,
        detail: diagnostic.detail,
        attribute: diagnostic.attribute.map(|path| attribute_path(&path)),
    }
}

pub(crate) fn attribute_path(path: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::{Step, step::Selector};
    pb::AttributePath {
        steps: path
            .0
            .iter()
            .map(|step| Step {
                selector: Some(match step {
                    PathStep::Attribute(name) => Selector::AttributeName(name.clone()),
                    PathStep::ElementKeyString(key) => Selector::ElementKeyString(key.clone()),
                    PathStep::ElementKeyInt(index) => Selector::ElementKeyInt(*index),
                }),
            })
            .collect(),
    }
}

/// The framework's view of the calling Terraform, from optional capabilities.
pub(crate) fn client_info(
    terraform_version: &str,
    capabilities: Option<&pb::ClientCapabilities>,
) -> ClientInfo {
    ClientInfo {
        terraform_version: terraform_version.to_owned(),
        write_only_attributes_allowed: capabilities
            .is_some_and(|c| c.write_only_attributes_allowed),
        deferral_allowed: capabilities.is_some_and(|c| c.deferral_allowed),
    }
}

/// The `Type` of each declared parameter, for decoding call arguments.
pub(crate) fn parameter_types(signature: &FunctionSignature, count: usize) -> Vec<Type> {
    (0..count)
        .map(|i| {
            signature
                .parameters
                .get(i)
                .or(signature.variadic.as_ref())
                .map(|p| p.ty.clone())
                .unwrap_or(Type::Dynamic)
        })
        .collect()
}
