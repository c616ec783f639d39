using ServiceDefaults.Data;
using ServiceDefaults.Messaging.Outbox;

namespace Registry.Service.Infrastructure.Migrations.Legacy;

/// <summary>
/// The legacy upgrade path of registrydb: the hand-written migrations this service had before its generated baseline
/// (their SQL exactly as they ran it, in order), and what turns their result into the baseline's schema. Only a database
/// whose __EFMigrationsHistory still holds these ids goes this way (ServiceDefaults' LegacyMigrationUpgrade); a new one
/// gets the generated migrations alone. Never edit the steps: they are what existing databases ran.
/// </summary>
internal static class RegistryLegacyMigrations
{
    public static readonly LegacyMigrationPath Path = new(
    [
        new("20261122000000_Initial", """
            CREATE TABLE models (
                name         varchar(255) PRIMARY KEY,
                last_version integer      NOT NULL,
                created_at   timestamptz  NOT NULL
            );

            CREATE TABLE model_versions (
                name        varchar(255) NOT NULL REFERENCES models (name),
                version     integer      NOT NULL CHECK (version >= 1),
                framework   varchar(64)  NOT NULL,
                description text         NOT NULL DEFAULT '',
                model_file  varchar(1024),
                onnx        jsonb,
                created_at  timestamptz  NOT NULL,
                PRIMARY KEY (name, version)
            );

            CREATE TABLE model_files (
                name    varchar(255)  NOT NULL,
                version integer       NOT NULL,
                path    varchar(1024) NOT NULL,
                size    bigint        NOT NULL CHECK (size >= 0),
                sha256  char(64)      NOT NULL,
                PRIMARY KEY (name, version, path),
                FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON DELETE CASCADE
            );
            -- The orphan-blob collector asks "does any row still reference this blob?".
            CREATE INDEX ix_model_files_sha256 ON model_files (sha256);

            CREATE TABLE model_tags (
                name    varchar(255) NOT NULL,
                version integer      NOT NULL,
                key     varchar(128) NOT NULL,
                value   varchar(256) NOT NULL,
                PRIMARY KEY (name, version, key),
                FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON DELETE CASCADE
            );
            CREATE INDEX ix_model_tags_key_value ON model_tags (key, value);

            CREATE TABLE model_uses (
                name       varchar(255) NOT NULL,
                version    integer      NOT NULL,
                "user"     varchar(255) NOT NULL,
                created_at timestamptz  NOT NULL,
                PRIMARY KEY (name, version, "user"),
                FOREIGN KEY (name, version) REFERENCES model_versions (name, version) ON DELETE RESTRICT
            );
            CREATE INDEX ix_model_uses_user ON model_uses ("user");

            CREATE TABLE outbox_messages (
                id          uuid         PRIMARY KEY,
                type        varchar(200) NOT NULL,
                payload     jsonb        NOT NULL,
                occurred_at timestamptz  NOT NULL,
                sent_at     timestamptz,
                attempts    integer      NOT NULL DEFAULT 0,
                last_error  text
            );
            CREATE INDEX ix_outbox_messages_unsent ON outbox_messages (occurred_at) WHERE sent_at IS NULL;
            """),
        new("20261204110000_Environments", """
            CREATE TABLE environments (
                name         varchar(255) PRIMARY KEY,
                last_version integer      NOT NULL,
                created_at   timestamptz  NOT NULL
            );

            CREATE TABLE environment_builds (
                hash           char(64)     PRIMARY KEY,
                state          varchar(16)  NOT NULL,
                log            text         NOT NULL DEFAULT '',
                error          text,
                python_path    varchar(1024),
                source_name    varchar(255) NOT NULL,
                source_version integer      NOT NULL,
                reused         boolean      NOT NULL DEFAULT false,
                queued_at      timestamptz  NOT NULL,
                started_at     timestamptz,
                finished_at    timestamptz
            );
            CREATE INDEX ix_environment_builds_pending ON environment_builds (queued_at) WHERE state IN ('Queued', 'Building');

            CREATE TABLE environment_versions (
                name        varchar(255)  NOT NULL REFERENCES environments (name),
                version     integer       NOT NULL CHECK (version >= 1),
                description text          NOT NULL DEFAULT '',
                kind        varchar(16)   NOT NULL,
                spec_file   varchar(1024) NOT NULL,
                python      varchar(16)   NOT NULL,
                hash        char(64)      NOT NULL REFERENCES environment_builds (hash),
                created_at  timestamptz   NOT NULL,
                PRIMARY KEY (name, version)
            );

            CREATE TABLE environment_files (
                name    varchar(255)  NOT NULL,
                version integer       NOT NULL,
                path    varchar(1024) NOT NULL,
                size    bigint        NOT NULL CHECK (size >= 0),
                sha256  char(64)      NOT NULL,
                PRIMARY KEY (name, version, path),
                FOREIGN KEY (name, version) REFERENCES environment_versions (name, version) ON DELETE CASCADE
            );
            CREATE INDEX ix_environment_files_sha256 ON environment_files (sha256);
            """),
    ],
    ConformSql);

    /// <summary>The differences between the hand-written schema and the baseline (the tests compare the two).</summary>
    private const string ConformSql = """
        -- PostgreSQL named the keys and foreign keys of the hand-written tables ("models_pkey"); EF names them its way.
        ALTER TABLE environment_builds RENAME CONSTRAINT environment_builds_pkey TO pk_environment_builds;
        ALTER TABLE environment_files RENAME CONSTRAINT environment_files_name_version_fkey TO fk_environment_files_environment_versions_name_version;
        ALTER TABLE environment_files RENAME CONSTRAINT environment_files_pkey TO pk_environment_files;
        ALTER TABLE environment_versions RENAME CONSTRAINT environment_versions_hash_fkey TO fk_environment_versions_environment_builds_hash;
        ALTER TABLE environment_versions RENAME CONSTRAINT environment_versions_name_fkey TO fk_environment_versions_environments_name;
        ALTER TABLE environment_versions RENAME CONSTRAINT environment_versions_pkey TO pk_environment_versions;
        ALTER TABLE environments RENAME CONSTRAINT environments_pkey TO pk_environments;
        ALTER TABLE model_files RENAME CONSTRAINT model_files_name_version_fkey TO fk_model_files_model_versions_name_version;
        ALTER TABLE model_files RENAME CONSTRAINT model_files_pkey TO pk_model_files;
        ALTER TABLE model_tags RENAME CONSTRAINT model_tags_name_version_fkey TO fk_model_tags_model_versions_name_version;
        ALTER TABLE model_tags RENAME CONSTRAINT model_tags_pkey TO pk_model_tags;
        ALTER TABLE model_uses RENAME CONSTRAINT model_uses_name_version_fkey TO fk_model_uses_model_versions_name_version;
        ALTER TABLE model_uses RENAME CONSTRAINT model_uses_pkey TO pk_model_uses;
        ALTER TABLE model_versions RENAME CONSTRAINT model_versions_name_fkey TO fk_model_versions_models_name;
        ALTER TABLE model_versions RENAME CONSTRAINT model_versions_pkey TO pk_model_versions;
        ALTER TABLE models RENAME CONSTRAINT models_pkey TO pk_models;
        ALTER TABLE outbox_messages RENAME CONSTRAINT outbox_messages_pkey TO pk_outbox_messages;
        -- EF adds an index for every foreign key the primary key does not cover.
        CREATE INDEX ix_environment_versions_hash ON environment_versions (hash);
        """;
}
