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

    let mut consts = Vec::new();
    let mut attributes = Vec::new();
    let mut decoders = Vec::new();
    let mut inits = Vec::new();
    let mut encoders = Vec::new();
    let mut identity_attributes = Vec::new();
    let mut identity_values = Vec::new();
    let mut object_types = Vec::new();
    let mut nested_decoders = Vec::new();
    let mut blocks = Vec::new();
    let mut seen = Vec::<String>::new();

    for field in &fields.named {
        let Some(ident) = &field.ident else {
            continue;
        };
        let ty = &field.ty;
        let spec = field_spec(field)?;
        let name = spec
            .name
            .clone()
            .unwrap_or_else(|| ident.to_string().trim_start_matches("r#").to_owned());
        if seen.contains(&name) {
            return Err(syn::Error::new_spanned(
                ident,
                format!("attribute `{name}` is declared twice"),
            ));
        }
        seen.push(name.clone());
        check_flags(ident, &spec)?;

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
        let schema_entry = quote! {
            ::tfplugin::schema::Attribute {
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
            }
        };
        if spec.block {
            blocks.push(quote! {
                <#ty as ::tfplugin::model::BlockField>::nested_block(#name, #deprecated)
            });
        } else {
            attributes.push(schema_entry);
        }

        // Computed attributes are unknown in a plan until apply: they decode
        // to their type's default (an empty string or set, `None`) instead of
        // failing. Every other attribute must be known.
        // An attribute with a default decodes null (a value written before
        // the framework applied the default) as the default.
        // A block left out of the configuration is an empty list.
        let decode = if spec.computed || spec.block {
            quote!(::tfplugin::model::decode_computed::<#ty>(__tf_object, #name))
        } else if let Some(default) = &spec.default {
            quote!(::tfplugin::model::decode_or::<#ty>(__tf_object, #name, ::tfplugin::value::Value::from(#default)))
        } else {
            quote!(::tfplugin::model::decode::<#ty>(__tf_object, #name))
        };
        decoders.push(quote! {
            let #ident = match #decode {
                ::std::result::Result::Ok(field) => ::std::option::Option::Some(field),
                ::std::result::Result::Err(diagnostic) => {
                    __tf_diagnostics.push(diagnostic);
                    ::std::option::Option::None
                }
            };
        });
        inits.push(quote!(#ident));
        object_types.push(quote! {
            (::std::string::String::from(#name), <#ty as ::tfplugin::model::Field>::ty())
        });
        nested_decoders.push(quote! {
            #ident: ::tfplugin::model::decode_nested::<#ty>(__tf_object, #name)?
        });
        encoders.push(quote! {
            (#name, ::tfplugin::model::Field::encode(&self.#ident))
        });

        if let Some(identity_description) = &spec.identity {
            let required_for_import = !spec.identity_optional;
            let optional_for_import = spec.identity_optional;
            identity_attributes.push(quote! {
                ::tfplugin::schema::IdentityAttribute {
                    name: ::std::string::String::from(#name),
                    ty: <#ty as ::tfplugin::model::Field>::ty(),
                    required_for_import: #required_for_import,
                    optional_for_import: #optional_for_import,
                    description: (#identity_description).into(),
                }
            });
            identity_values.push(quote! {
                (#name, ::tfplugin::model::Field::encode(&self.#ident))
            });
        }
    }

    let ident = &input.ident;
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    let description = model.description.as_ref().map_or_else(
        || quote!(::std::string::String::new()),
        |d| quote!((#d).into()),
    );
    let version = model
        .version
        .as_ref()
        .map_or_else(|| quote!(0), |v| quote!(#v));
    let identity_schema = if identity_attributes.is_empty() {
        quote!(::std::option::Option::None)
    } else {
        quote! {
            ::std::option::Option::Some(::tfplugin::schema::IdentitySchema {
                version: 0,
                attributes: ::std::vec![#(#identity_attributes),*],
            })
        }
    };
    let identity_value = if identity_values.is_empty() {
        quote!(::std::option::Option::None)
    } else {
        quote!(::std::option::Option::Some(::tfplugin::value::Value::object([#(#identity_values),*])))
    };

    Ok(quote! {
        #[allow(dead_code)]
        impl #impl_generics #ident #type_generics #where_clause {
            #(#consts)*
        }

        impl #impl_generics ::tfplugin::model::Model for #ident #type_generics #where_clause {
            const VERSION: i64 = #version;

            fn description() -> ::std::string::String {
                #description
            }

            fn attributes() -> ::std::vec::Vec<::tfplugin::schema::Attribute> {
                ::std::vec![#(#attributes),*]
            }

            fn blocks() -> ::std::vec::Vec<::tfplugin::schema::NestedBlock> {
                ::std::vec![#(#blocks),*]
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
                ::tfplugin::value::Value::object([#(#encoders),*])
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
                    attributes: ::std::collections::BTreeMap::from([#(#object_types),*]),
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
                    "unknown #[tf] key; expected one of required, optional, computed, sensitive, \
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
