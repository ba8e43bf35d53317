//! `#[derive(Model)]`: a struct whose fields are the attributes of one
//! Terraform type. See `tfplugin::model` for what the derived code does and
//! the `#[tf(…)]` attributes it reads; this crate only generates the code.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as Tokens};
use quote::quote;
use syn::{Data, DeriveInput, Expr, Fields, Ident, LitInt, LitStr, parse_macro_input};

/// Derives `tfplugin::model::Model` for a struct with named fields.
#[proc_macro_derive(Model, attributes(tf))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

/// What `#[tf(…)]` says about one field.
#[derive(Default)]
struct FieldSpec {
    name: Option<String>,
    description: Option<Expr>,
    required: bool,
    optional: bool,
    computed: bool,
    sensitive: bool,
    write_only: bool,
    deprecated: bool,
    requires_replace: bool,
    use_state_for_unknown: bool,
    default: Option<Expr>,
    identity: Option<Expr>,
    identity_optional: bool,
    /// A nested block (`Vec<M>` of a model `M`), not an attribute.
    block: bool,
    /// Another model whose attributes stand at this level.
    flatten: bool,
}

/// What `#[tf(…)]` says about the struct.
#[derive(Default)]
struct ModelSpec {
    description: Option<Expr>,
    version: Option<LitInt>,
}

fn expand(input: &DeriveInput) -> syn::Result<Tokens> {
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            input,
            "#[derive(Model)] needs a struct with named fields",
        ));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new_spanned(
            input,
            "#[derive(Model)] needs a struct with named fields",
        ));
    };
    let model = model_spec(input)?;

    let ident = &input.ident;
    let mut consts = Vec::new();
    // Each `*_parts` entry is an `IntoIterator` chained in field order: one
    // item for an attribute of this struct, all of a flattened model's.
    let mut attribute_parts = Vec::new();
    let mut block_parts = Vec::new();
    let mut identity_attribute_parts = Vec::new();
    let mut identity_value_parts = Vec::new();
    let mut decoders = Vec::new();
    let mut inits = Vec::new();
    let mut value_parts = Vec::new();
    let mut object_type_parts = Vec::new();
    let mut nested_decoders = Vec::new();
    let mut own_names = Vec::<String>::new();
    let mut flattened = Vec::<(&Ident, &syn::Type)>::new();

    for field in &fields.named {
        let Some(field_ident) = &field.ident else {
            continue;
        };
        let ty = &field.ty;
        let spec = field_spec(field)?;
        check_flags(field_ident, &spec)?;
        if spec.flatten {
            if !input.generics.params.is_empty() {
                return Err(syn::Error::new_spanned(
                    field_ident,
                    "`flatten` needs a model without generic parameters (its attribute names are checked for clashes at compile time)",
                ));
            }
            flatten_field(
                field_ident,
                ty,
                &mut Parts {
                    attributes: &mut attribute_parts,
                    blocks: &mut block_parts,
                    identity_attributes: &mut identity_attribute_parts,
                    identity_values: &mut identity_value_parts,
                    decoders: &mut decoders,
                    values: &mut value_parts,
                    object_types: &mut object_type_parts,
                    nested_decoders: &mut nested_decoders,
                },
            );
            inits.push(quote!(#field_ident));
            flattened.push((field_ident, ty));
            continue;
        }
        let name = spec
            .name
            .clone()
            .unwrap_or_else(|| field_ident.to_string().trim_start_matches("r#").to_owned());
        if own_names.contains(&name) {
            return Err(syn::Error::new_spanned(
                field_ident,
                format!("attribute `{name}` is declared twice"),
            ));
        }
        own_names.push(name.clone());

        let constant = Ident::new(&name.to_uppercase(), Span::call_site());
        consts.push(quote! {
            #[doc = concat!("The attribute name `", #name, "`.")]
            pub const #constant: &'static str = #name;
        });

        let description = spec.description.as_ref().map_or_else(
            || quote!(::std::string::String::new()),
            |d| quote!((#d).into()),
        );
        let (required, optional, sensitive, write_only, deprecated) = (
            spec.required,
            spec.optional,
            spec.sensitive,
            spec.write_only,
            spec.deprecated,
        );
        let computed = spec.computed || spec.default.is_some();
        let requires_replace = spec.requires_replace;
        let use_state_for_unknown = spec.use_state_for_unknown;
        let default = spec.default.as_ref().map_or_else(
            || quote!(::std::option::Option::None),
            |d| quote!(::std::option::Option::Some(::tfplugin::value::Value::from(#d))),
        );
        if spec.block {
            block_parts.push(quote! {
                [<#ty as ::tfplugin::model::BlockField>::nested_block(#name, #deprecated)]
            });
        } else {
            attribute_parts.push(quote! {
                [::tfplugin::schema::Attribute {
                    name: ::std::string::String::from(#name),
                    ty: <#ty as ::tfplugin::model::Field>::ty(),
                    description: #description,
                    required: #required,
                    optional: #optional,
                    computed: #computed,
                    sensitive: #sensitive,
                    write_only: #write_only,
                    deprecated: #deprecated,
                    plan: ::tfplugin::schema::PlanRules {
                        requires_replace: #requires_replace,
                        default: #default,
                        use_state_for_unknown: #use_state_for_unknown,
                    },
                    ..::std::default::Default::default()
                }]
            });
        }

        // Computed attributes are unknown in a plan until apply: they decode
        // to their type's default (an empty string or set, `None`) instead of
        // failing. Every other attribute must be known.
        // An attribute with a default decodes null (a value written before
        // the framework applied the default) as the default.
        // A block left out of the configuration is an empty list.
        // A computed-only attribute is null in every configuration (a data
        // source decodes its whole configuration): null decodes as the
        // type's null, or its default when it has none (`""`, `false`, 0).
        let decode = if spec.computed && !spec.optional {
            quote!(::tfplugin::model::decode_computed_only::<#ty>(__tf_object, #name))
        } else if spec.computed || spec.block {
            quote!(::tfplugin::model::decode_computed::<#ty>(__tf_object, #name))
        } else if let Some(default) = &spec.default {
            quote!(::tfplugin::model::decode_or::<#ty>(__tf_object, #name, ::tfplugin::value::Value::from(#default)))
        } else {
            quote!(::tfplugin::model::decode::<#ty>(__tf_object, #name))
        };
        decoders.push(quote! {
            let #field_ident = match #decode {
                ::std::result::Result::Ok(field) => ::std::option::Option::Some(field),
                ::std::result::Result::Err(diagnostic) => {
                    __tf_diagnostics.push(diagnostic);
                    ::std::option::Option::None
                }
            };
        });
        inits.push(quote!(#field_ident));
        object_type_parts.push(quote! {
            [(::std::string::String::from(#name), <#ty as ::tfplugin::model::Field>::ty())]
        });
        nested_decoders.push(quote! {
            #field_ident: ::tfplugin::model::decode_nested::<#ty>(__tf_object, #name)?
        });
        value_parts.push(quote! {
            [(::std::string::String::from(#name), ::tfplugin::model::Field::encode(&self.#field_ident))]
        });

        if let Some(identity_description) = &spec.identity {
            let required_for_import = !spec.identity_optional;
            let optional_for_import = spec.identity_optional;
            identity_attribute_parts.push(quote! {
                [::tfplugin::schema::IdentityAttribute {
                    name: ::std::string::String::from(#name),
                    ty: <#ty as ::tfplugin::model::Field>::ty(),
                    required_for_import: #required_for_import,
                    optional_for_import: #optional_for_import,
                    description: (#identity_description).into(),
                }]
            });
            identity_value_parts.push(quote! {
                [(::std::string::String::from(#name), ::tfplugin::model::Field::encode(&self.#field_ident))]
            });
        }
    }

    let distinct_check = distinct_names_check(ident, &own_names, &flattened);
    let flattened_names = flattened
        .iter()
        .map(|(_, ty)| quote!(&<#ty as ::tfplugin::model::Model>::ATTRIBUTE_NAMES));
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    let description = model.description.as_ref().map_or_else(
        || quote!(::std::string::String::new()),
        |d| quote!((#d).into()),
    );
    let version = model
        .version
        .as_ref()
        .map_or_else(|| quote!(0), |v| quote!(#v));
    let identity_schema = if identity_attribute_parts.is_empty() {
        quote!(::std::option::Option::None)
    } else {
        quote! {
            let attributes: ::std::vec::Vec<::tfplugin::schema::IdentityAttribute> =
                ::std::iter::empty()#(.chain(#identity_attribute_parts))*.collect();
            if attributes.is_empty() {
                ::std::option::Option::None
            } else {
                ::std::option::Option::Some(::tfplugin::schema::IdentitySchema { version: 0, attributes })
            }
        }
    };
    let identity_value = if identity_value_parts.is_empty() {
        quote!(::std::option::Option::None)
    } else {
        quote! {
            let entries: ::std::collections::BTreeMap<::std::string::String, ::tfplugin::value::Value> =
                ::std::iter::empty()#(.chain(#identity_value_parts))*.collect();
            if entries.is_empty() {
                ::std::option::Option::None
            } else {
                ::std::option::Option::Some(::tfplugin::value::Value::Object(entries))
            }
        }
    };
    let own_names = own_names.iter();

    Ok(quote! {
        #[allow(dead_code)]
        impl #impl_generics #ident #type_generics #where_clause {
            #(#consts)*
        }

        #distinct_check

        impl #impl_generics ::tfplugin::model::Model for #ident #type_generics #where_clause {
            const VERSION: i64 = #version;

            const ATTRIBUTE_NAMES: ::tfplugin::model::AttributeNames = ::tfplugin::model::AttributeNames {
                own: &[#(#own_names),*],
                flattened: &[#(#flattened_names),*],
            };

            fn description() -> ::std::string::String {
                #description
            }

            fn attributes() -> ::std::vec::Vec<::tfplugin::schema::Attribute> {
                ::std::iter::empty()#(.chain(#attribute_parts))*.collect()
            }

            fn blocks() -> ::std::vec::Vec<::tfplugin::schema::NestedBlock> {
                ::std::iter::empty()#(.chain(#block_parts))*.collect()
            }

            fn identity_schema() -> ::std::option::Option<::tfplugin::schema::IdentitySchema> {
                #identity_schema
            }

            fn from_value(
                __tf_object: &::tfplugin::value::Value,
            ) -> ::std::result::Result<Self, ::tfplugin::diag::Diagnostics> {
                // Locals named so that no field (bound by its own name) can shadow them.
                let mut __tf_diagnostics = ::tfplugin::diag::Diagnostics::new();
                #(#decoders)*
                match (#(#inits,)*) {
                    (#(::std::option::Option::Some(#inits),)*) => ::std::result::Result::Ok(Self { #(#inits),* }),
                    _ => ::std::result::Result::Err(__tf_diagnostics),
                }
            }

            fn to_value(&self) -> ::tfplugin::value::Value {
                ::tfplugin::value::Value::Object(::std::iter::empty()#(.chain(#value_parts))*.collect())
            }

            fn identity(&self) -> ::std::option::Option<::tfplugin::value::Value> {
                #identity_value
            }
        }

        // A model is also a field: an object whose attributes are its fields,
        // for lists of objects such as a data source's entries.
        impl #impl_generics ::tfplugin::model::Field for #ident #type_generics #where_clause {
            fn ty() -> ::tfplugin::value::Type {
                ::tfplugin::value::Type::Object {
                    attributes: ::std::iter::empty()#(.chain(#object_type_parts))*.collect(),
                    optional: ::std::collections::BTreeSet::new(),
                }
            }

            fn decode(
                __tf_object: &::tfplugin::value::Value,
            ) -> ::std::result::Result<Self, ::tfplugin::codec::CodecError> {
                ::std::result::Result::Ok(Self { #(#nested_decoders),* })
            }

            fn encode(&self) -> ::tfplugin::value::Value {
                ::tfplugin::model::Model::to_value(self)
            }
        }
    })
}

/// Where one field's generated code goes, in field order.
struct Parts<'a> {
    attributes: &'a mut Vec<Tokens>,
    blocks: &'a mut Vec<Tokens>,
    identity_attributes: &'a mut Vec<Tokens>,
    identity_values: &'a mut Vec<Tokens>,
    decoders: &'a mut Vec<Tokens>,
    values: &'a mut Vec<Tokens>,
    object_types: &'a mut Vec<Tokens>,
    nested_decoders: &'a mut Vec<Tokens>,
}

/// A `#[tf(flatten)]` field: every part of the inner model (attributes,
/// blocks, identity, decoding, encoding, object type) at this level.
fn flatten_field(field: &Ident, ty: &syn::Type, parts: &mut Parts<'_>) {
    let model = quote!(<#ty as ::tfplugin::model::Model>);
    parts.attributes.push(quote!(#model::attributes()));
    parts.blocks.push(quote!(#model::blocks()));
    parts.identity_attributes.push(quote! {
        #model::identity_schema().map(|schema| schema.attributes).unwrap_or_default()
    });
    parts.identity_values.push(quote! {
        ::tfplugin::model::object_entries(::tfplugin::model::Model::identity(&self.#field))
    });
    // The inner model decodes the same object; its diagnostics already name
    // the attributes, which stand at this level.
    parts.decoders.push(quote! {
        let #field = match #model::from_value(__tf_object) {
            ::std::result::Result::Ok(field) => ::std::option::Option::Some(field),
            ::std::result::Result::Err(diagnostics) => {
                __tf_diagnostics.extend(diagnostics);
                ::std::option::Option::None
            }
        };
    });
    parts.values.push(quote! {
        ::tfplugin::model::object_entries(::std::option::Option::Some(
            ::tfplugin::model::Model::to_value(&self.#field),
        ))
    });
    parts
        .object_types
        .push(quote!(::tfplugin::model::object_attribute_types::<#ty>()));
    parts.nested_decoders.push(quote! {
        #field: <#ty as ::tfplugin::model::Field>::decode(__tf_object)?
    });
}

/// A compile-time check that no attribute or block name of this model
/// stands twice once flattened models are spread in: each own name against
/// every flattened model, and the flattened models against each other. The
/// derive cannot see the inner names, so the check is a constant evaluated
/// by the compiler; its panic message is the compile error.
fn distinct_names_check(
    model: &Ident,
    own_names: &[String],
    flattened: &[(&Ident, &syn::Type)],
) -> Tokens {
    let mut checks = Vec::new();
    for (index, (field, ty)) in flattened.iter().enumerate() {
        let inner = quote!(&<#ty as ::tfplugin::model::Model>::ATTRIBUTE_NAMES);
        let inner_name = quote!(#ty).to_string();
        for name in own_names {
            let message = format!(
                "`{model}`: attribute `{name}` is also an attribute of the flattened `{inner_name}` (field `{field}`); rename one of them"
            );
            checks.push(quote! {
                if ::tfplugin::model::AttributeNames::contains(#inner, #name) {
                    ::std::panic!(#message);
                }
            });
        }
        for (other_field, other_ty) in &flattened[index + 1..] {
            let other_name = quote!(#other_ty).to_string();
            let message = format!(
                "`{model}`: the flattened `{inner_name}` (field `{field}`) and `{other_name}` (field `{other_field}`) have an attribute name in common"
            );
            checks.push(quote! {
                if ::tfplugin::model::AttributeNames::overlaps(
                    #inner,
                    &<#other_ty as ::tfplugin::model::Model>::ATTRIBUTE_NAMES,
                ) {
                    ::std::panic!(#message);
                }
            });
        }
    }
    if checks.is_empty() {
        return Tokens::new();
    }
    quote! {
        const _: () = { #(#checks)* };
    }
}

fn model_spec(input: &DeriveInput) -> syn::Result<ModelSpec> {
    let mut spec = ModelSpec::default();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("tf")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("description") {
                spec.description = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("version") {
                spec.version = Some(meta.value()?.parse()?);
            } else {
                return Err(meta.error("expected `description = …` or `version = N`"));
            }
            Ok(())
        })?;
    }
    Ok(spec)
}

fn field_spec(field: &syn::Field) -> syn::Result<FieldSpec> {
    let mut spec = FieldSpec::default();
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("tf")) {
        attr.parse_nested_meta(|meta| {
            let path = &meta.path;
            let flag = |name: &str| path.is_ident(name);
            if flag("required") {
                spec.required = true;
            } else if flag("optional") {
                spec.optional = true;
            } else if flag("computed") {
                spec.computed = true;
            } else if flag("block") {
                spec.block = true;
            } else if flag("flatten") {
                spec.flatten = true;
            } else if flag("sensitive") {
                spec.sensitive = true;
            } else if flag("write_only") {
                spec.write_only = true;
            } else if flag("deprecated") {
                spec.deprecated = true;
            } else if flag("requires_replace") {
                spec.requires_replace = true;
            } else if flag("use_state_for_unknown") {
                spec.use_state_for_unknown = true;
            } else if flag("identity_optional") {
                spec.identity_optional = true;
            } else if flag("description") {
                spec.description = Some(meta.value()?.parse()?);
            } else if flag("default") {
                spec.default = Some(meta.value()?.parse()?);
            } else if flag("identity") {
                spec.identity = Some(meta.value()?.parse()?);
            } else if flag("name") {
                spec.name = Some(meta.value()?.parse::<LitStr>()?.value());
            } else {
                return Err(meta.error(
                    "unknown #[tf] key; expected one of required, optional, computed, block, flatten, sensitive, \
                     write_only, deprecated, requires_replace, use_state_for_unknown, default = …, \
                     description = …, identity = \"…\", identity_optional, name = \"…\"",
                ));
            }
            Ok(())
        })?;
    }
    Ok(spec)
}

/// The combinations Terraform accepts: required alone, or optional and/or computed.
fn check_flags(ident: &Ident, spec: &FieldSpec) -> syn::Result<()> {
    if spec.flatten {
        let other_keys = spec.block
            || spec.name.is_some()
            || spec.required
            || spec.optional
            || spec.computed
            || spec.sensitive
            || spec.write_only
            || spec.deprecated
            || spec.requires_replace
            || spec.use_state_for_unknown
            || spec.default.is_some()
            || spec.identity.is_some()
            || spec.identity_optional
            || spec.description.is_some();
        if other_keys {
            return Err(syn::Error::new_spanned(
                ident,
                "a `flatten` field takes its attributes, descriptions and flags from its model: no other #[tf] key applies",
            ));
        }
        return Ok(());
    }
    if spec.block {
        let attribute_flags = spec.required
            || spec.optional
            || spec.computed
            || spec.sensitive
            || spec.write_only
            || spec.requires_replace
            || spec.use_state_for_unknown
            || spec.default.is_some()
            || spec.identity.is_some()
            || spec.description.is_some();
        if attribute_flags {
            return Err(syn::Error::new_spanned(
                ident,
                "a `block` takes its description and attributes from its model: only `name = …` and `deprecated` apply",
            ));
        }
        return Ok(());
    }
    if spec.required && (spec.optional || spec.computed) {
        return Err(syn::Error::new_spanned(
            ident,
            "a `required` attribute cannot also be `optional` or `computed`",
        ));
    }
    if !(spec.required || spec.optional || spec.computed) {
        return Err(syn::Error::new_spanned(
            ident,
            "say how the attribute is set: #[tf(required)], #[tf(optional)], #[tf(computed)] or #[tf(optional, computed)]",
        ));
    }
    if spec.default.is_some() && !spec.optional {
        return Err(syn::Error::new_spanned(
            ident,
            "`default = …` needs `optional` (the default applies when configuration leaves it null)",
        ));
    }
    if spec.identity_optional && spec.identity.is_none() {
        return Err(syn::Error::new_spanned(
            ident,
            "`identity_optional` needs `identity = \"description\"`",
        ));
    }
    Ok(())
}
