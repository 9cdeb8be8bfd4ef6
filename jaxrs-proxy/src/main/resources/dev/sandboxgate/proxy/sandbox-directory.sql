-- Sandbox Gate, sandbox-directory=jdbc: which sandbox serves each workspace.
-- Created by the gateway when missing; create them yourself (same columns) if its database user may not run DDL.
-- token_ref is a reference, never the token: ${env:NAME} or ${sys:name}, resolved on the gateway.
CREATE TABLE sandbox_gate_sandbox (
    sandbox_id VARCHAR(64)   NOT NULL PRIMARY KEY,
    base_url   VARCHAR(2048) NOT NULL,           -- http(s)://host:port[/base]
    token_ref  VARCHAR(256)  NOT NULL            -- e.g. ${env:SANDBOX_EU1_TOKEN}
);
CREATE TABLE sandbox_gate_workspace (
    workspace_id VARCHAR(64) NOT NULL PRIMARY KEY, -- or '*': every workspace without a row of its own
    sandbox_id   VARCHAR(64) NOT NULL REFERENCES sandbox_gate_sandbox (sandbox_id)
);
