using ServiceDefaults.Data;

namespace Gateway.Service.Infrastructure.Migrations.Legacy;

/// <summary>
/// The legacy upgrade path of gatewaydb: the hand-written migration this service had before its generated baseline (the
/// SQL EF ran for its CreateTable), and what turns its result into the baseline's schema. Only a database whose
/// __EFMigrationsHistory still holds its id goes this way (ServiceDefaults' LegacyMigrationUpgrade); a new one gets the
/// generated migrations alone. Never edit the steps: they are what existing databases ran.
/// </summary>
internal static class GatewayLegacyMigrations
{
    public static readonly LegacyMigrationPath Path = new(
    [
        new("20261122000000_Initial", """
            CREATE TABLE endpoint_credentials (
                endpoint character varying(255) NOT NULL,
                primary_nonce bytea NOT NULL,
                primary_hash bytea NOT NULL,
                secondary_nonce bytea NOT NULL,
                secondary_hash bytea NOT NULL,
                created_at timestamp with time zone NOT NULL,
                updated_at timestamp with time zone NOT NULL,
                CONSTRAINT pk_endpoint_credentials PRIMARY KEY (endpoint)
            );
            """),
    ],
    ConformSql);

    /// <summary>None: the hand-written migration already used EF's names (the tests compare the two schemas).</summary>
    private const string ConformSql = "";
}
