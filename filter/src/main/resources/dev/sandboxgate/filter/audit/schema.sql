-- Sandbox Gate audit trail, schema version 2 (H2 2.x, PostgreSQL 9.5+). The gateway runs this when the table is
-- missing; "sandbox_audit" is replaced by init-param audit-jdbc-table. Statements are separated by ';'.
CREATE TABLE IF NOT EXISTS sandbox_audit (
  node           VARCHAR(128)   NOT NULL,
  seq            BIGINT         NOT NULL,
  schema_version INTEGER        NOT NULL,
  ts             TIMESTAMP WITH TIME ZONE NOT NULL,
  request_id     VARCHAR(128),
  trace_id       CHAR(32),
  event          VARCHAR(16)    NOT NULL,
  subject        VARCHAR(256),
  auth_method    VARCHAR(64),
  workspace      VARCHAR(64),
  sandbox_id     VARCHAR(256),
  session_id     VARCHAR(256),
  rpc_method     VARCHAR(512),
  operation      VARCHAR(64),
  http_method    VARCHAR(16),
  path           VARCHAR(2048),
  query          VARCHAR(4096),
  decision       VARCHAR(16),
  reason         VARCHAR(128),
  status         INTEGER,
  bytes_in       BIGINT,
  bytes_out      BIGINT,
  duration_ms    BIGINT,
  ended_by       VARCHAR(16),
  client_ip      VARCHAR(64),
  user_agent     VARCHAR(512),
  prompt         VARCHAR(65536),
  prompt_chars   INTEGER,
  prev_hash      CHAR(64),
  hash           CHAR(64)       NOT NULL,
  PRIMARY KEY (node, seq)
);
CREATE INDEX IF NOT EXISTS sandbox_audit_subject_ts ON sandbox_audit (subject, ts);
CREATE INDEX IF NOT EXISTS sandbox_audit_workspace_ts ON sandbox_audit (workspace, ts);
CREATE INDEX IF NOT EXISTS sandbox_audit_ts ON sandbox_audit (ts);
