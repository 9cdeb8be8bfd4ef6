-- Sandbox Gate, session-registry=jdbc: which workspace and subject each ACP server id belongs to.
-- Created by the gateway when missing; create it yourself (same columns) if its database user may not run DDL.
CREATE TABLE sandbox_gate_acp_binding (
    server_key   CHAR(64)      NOT NULL PRIMARY KEY, -- SHA-256, in hex, of the server id as the sandbox decodes it
    server_id    VARCHAR(8192) NOT NULL,             -- the id itself, for operators
    workspace_id VARCHAR(64)   NOT NULL,
    creator      VARCHAR(2048),                      -- the subject that first sent to it; null while only streamed
    bound_at     TIMESTAMP     NOT NULL
);
