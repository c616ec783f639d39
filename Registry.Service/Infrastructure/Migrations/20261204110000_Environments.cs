using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Registry.Service.Infrastructure.Migrations;

/// <summary>
/// Environments (issue 15): names and versions like models, their files as blobs, and one build row per content hash,
/// which every version with that hash shares (a second registration of the same content does not build again).
/// </summary>
[DbContext(typeof(RegistryDbContext))]
[Migration("20261204110000_Environments")]
public sealed class Environments : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
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
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("DROP TABLE environment_files, environment_versions, environment_builds, environments;");
    }
}
