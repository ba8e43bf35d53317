//! Provider-defined function RPC bodies: GetFunctions and CallFunction.

use super::{Outcome, ProviderService, Reply, WithDiagnostics, encode, unknown_type};
use crate::convert;
use crate::diag::Diagnostics;
use crate::proto::tfplugin6 as pb;

/// CallFunction has no diagnostics: errors become its `FunctionError`.
impl WithDiagnostics for pb::call_function::Response {
    fn add_diagnostics(&mut self, diagnostics: Diagnostics) {
        let errors: Vec<String> = diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| {
                if d.detail.is_empty() {
                    d.summary.clone()
                } else {
                    format!("{}: {}", d.summary, d.detail)
                }
            })
            .collect();
        if !errors.is_empty() && self.error.is_none() {
            self.error = Some(pb::FunctionError {
                text: errors.join("\n"),
                function_argument: None,
            });
        }
    }
}

impl ProviderService {
    pub(super) async fn functions(&self) -> Outcome<pb::get_functions::Response> {
        Ok(Reply::new(pb::get_functions::Response {
            functions: self
                .registry
                .functions
                .iter()
                .map(|(n, (_, signature))| (n.clone(), convert::function(signature)))
                .collect(),
            diagnostics: Vec::new(),
        }))
    }

    pub(super) async fn handle_call_function(
        &self,
        req: pb::call_function::Request,
    ) -> Outcome<pb::call_function::Response> {
        let Some((function, signature)) = self.registry.functions.get(&req.name) else {
            return Err(unknown_type("function", &req.name));
        };
        let failed = |text: String, argument: Option<i64>| {
            Ok(Reply::new(pb::call_function::Response {
                result: None,
                error: Some(pb::FunctionError {
                    text,
                    function_argument: argument,
                }),
            }))
        };
        if req.arguments.len() < signature.parameters.len()
            || (signature.variadic.is_none() && req.arguments.len() > signature.parameters.len())
        {
            return failed(
                format!(
                    "{} takes {} argument(s), got {}",
                    req.name,
                    signature.parameters.len(),
                    req.arguments.len()
                ),
                None,
            );
        }
        let types = convert::parameter_types(signature, req.arguments.len());
        let mut arguments = Vec::with_capacity(req.arguments.len());
        for (index, (argument, ty)) in req.arguments.iter().zip(&types).enumerate() {
            match crate::wire::decode(Some(argument), ty) {
                Ok(value) => arguments.push(value),
                Err(e) => {
                    return failed(format!("invalid argument: {e}"), i64::try_from(index).ok());
                }
            }
        }
        match function.call(arguments).await {
            Ok(result) => Ok(Reply::new(pb::call_function::Response {
                result: Some(encode(&result, &signature.return_type, "function result")?),
                error: None,
            })),
            Err(error) => Ok(Reply::new(pb::call_function::Response {
                result: None,
                error: Some(convert::function_error(error)),
            })),
        }
    }
}
