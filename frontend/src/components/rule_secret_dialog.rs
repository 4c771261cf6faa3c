//! The webhook credentials of a rule, shown once after creating it or rotating its secret.

use api_types::RuleWithSecret;
use leptos::prelude::*;

use crate::components::icon::{Icon, IconShape};
use crate::components::modal::Modal;
use crate::components::rule_copy_button::RuleCopyButton;

/// A dialog with the webhook path, its user (the rule id) and the secret, with copy buttons.
/// `title` says why it is shown; closing it is the last chance to copy the secret.
#[component]
pub fn RuleSecretDialog(#[prop(into)] title: String, created: RuleWithSecret, on_close: Callback<()>) -> impl IntoView {
    let RuleWithSecret { rule, webhook_secret } = created;
    view! {
        <Modal title id="rule-secret-dialog" on_close>
            <div class="modal-body">
                <div class="alert alert-info" role="status">
                    <Icon shape=IconShape::Info size=20 />
                    <div class="alert-body">
                        <p class="alert-message">"Copy the secret now: it is not shown again."</p>
                        <p class="alert-code">
                            "vROps posts alerts for " <strong>{rule.spec.name.clone()}</strong>
                            " to this webhook with Basic authentication."
                        </p>
                    </div>
                </div>
                <dl class="facts secret-facts">
                    <dt>"Webhook path"</dt>
                    <dd class="copy-row">
                        <code id="rule-webhook-path">{rule.webhook_path.clone()}</code>
                        <RuleCopyButton id="rule-webhook-path-copy" text=rule.webhook_path.clone() />
                    </dd>
                    <dt>"User name"</dt>
                    <dd class="copy-row">
                        <code id="rule-webhook-user">{rule.id.clone()}</code>
                        <RuleCopyButton id="rule-webhook-user-copy" text=rule.id.clone() />
                    </dd>
                    <dt>"Secret"</dt>
                    <dd class="copy-row">
                        <code id="rule-webhook-secret" class="secret-value">
                            {webhook_secret.clone()}
                        </code>
                        <RuleCopyButton id="rule-secret-copy" text=webhook_secret />
                    </dd>
                </dl>
            </div>
            <div class="modal-footer">
                <button id="rule-secret-done" type="button" class="btn btn-primary" on:click=move |_| on_close.run(())>
                    "I have copied it"
                </button>
            </div>
        </Modal>
    }
}
