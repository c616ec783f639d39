using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Registry.Service.Infrastructure.Migrations;

/// <summary>
/// The registry's schema, written by hand (no EF design-time package here). Keys that matter for correctness:
/// models.last_version numbers versions under a row lock; model_uses references model_versions ON DELETE RESTRICT,
/// so PostgreSQL itself refuses to delete a version in use, even against a concurrent AcquireModelUse.
/// </summary>
[DbContext(typeof(RegistryDbContext))]
[Migration("20261122000000_Initial")]
public sealed class Initial : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
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
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("DROP TABLE outbox_messages, model_uses, model_tags, model_files, model_versions, models;");
    }
}
