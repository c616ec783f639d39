using ServiceDefaults.Data;
using ServiceDefaults.Messaging.Outbox;

namespace Compute.Service.Infrastructure.Migrations.Legacy;

/// <summary>
/// The legacy upgrade path of computedb: the hand-written migrations this service had before its generated baseline
/// (their SQL exactly as they ran it, in order), and what turns their result into the baseline's schema. Only a database
/// whose __EFMigrationsHistory still holds these ids goes this way (ServiceDefaults' LegacyMigrationUpgrade); a new one
/// gets the generated migrations alone. Never edit the steps: they are what existing databases ran.
/// </summary>
internal static class ComputeLegacyMigrations
{
    public static readonly LegacyMigrationPath Path = new(
    [
        new("20261122000000_Initial", """
            CREATE TABLE compute_targets (
                name               text PRIMARY KEY,
                type               text NOT NULL,
                purpose            text NULL,
                vm_size            text NULL,
                agent_count        integer NOT NULL DEFAULT 0,
                provisioning_state text NOT NULL,
                error              text NULL,
                api_server         text NULL,
                namespace          text NULL,
                protected_token    text NULL,
                generation         integer NOT NULL DEFAULT 0,
                created_at         timestamptz NOT NULL,
                updated_at         timestamptz NOT NULL
            );
            -- Names are unique regardless of case ("Dev1" and "dev1" would confuse every user).
            CREATE UNIQUE INDEX ix_compute_targets_lower_name ON compute_targets (lower(name));
            CREATE INDEX ix_compute_targets_provisioning_state ON compute_targets (provisioning_state);

            CREATE TABLE nodes (
                name               text PRIMARY KEY,
                http_address       text NOT NULL,
                grpc_address       text NOT NULL,
                cpu_cores          numeric(12,4) NOT NULL,
                memory_gb          numeric(12,4) NOT NULL,
                gpus               integer NOT NULL,
                in_use_cpu_cores   numeric(12,4) NOT NULL DEFAULT 0,
                in_use_memory_gb   numeric(12,4) NOT NULL DEFAULT 0,
                in_use_gpus        integer NOT NULL DEFAULT 0,
                loaded_models      text[] NOT NULL DEFAULT '{}',
                registered_at      timestamptz NOT NULL,
                last_heartbeat_at  timestamptz NOT NULL
            );

            CREATE TABLE reservations (
                id            text PRIMARY KEY,
                compute_name  text NOT NULL REFERENCES compute_targets (name) ON DELETE RESTRICT,
                instances     integer NOT NULL CHECK (instances > 0),
                cpu_cores     numeric(12,4) NOT NULL CHECK (cpu_cores > 0),
                memory_gb     numeric(12,4) NOT NULL CHECK (memory_gb >= 0),
                gpus          integer NOT NULL CHECK (gpus >= 0),
                quota_cores   numeric(12,4) NOT NULL,
                created_at    timestamptz NOT NULL
            );
            CREATE INDEX ix_reservations_compute_name ON reservations (compute_name);

            CREATE TABLE reservation_replicas (
                reservation_id text NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
                ordinal        integer NOT NULL,
                node_name      text NOT NULL REFERENCES nodes (name) ON DELETE RESTRICT,
                PRIMARY KEY (reservation_id, ordinal)
            );
            CREATE INDEX ix_reservation_replicas_node_name ON reservation_replicas (node_name);

            -- The built-in target made of this machine's inference nodes: it always exists.
            INSERT INTO compute_targets (name, type, agent_count, provisioning_state, generation, created_at, updated_at)
            VALUES ('local', 'local', 0, 'Succeeded', 0, now(), now());
            """),
        new("20261122010000_Outbox", OutboxSchema.CreateTableSql),
    ],
    ConformSql);

    /// <summary>The differences between the hand-written schema and the baseline (the tests compare the two).</summary>
    private const string ConformSql = """
        -- PostgreSQL named the keys and foreign keys of the hand-written tables ("models_pkey"); EF names them its way.
        ALTER TABLE compute_targets RENAME CONSTRAINT compute_targets_pkey TO pk_compute_targets;
        ALTER TABLE nodes RENAME CONSTRAINT nodes_pkey TO pk_nodes;
        ALTER TABLE outbox_messages RENAME CONSTRAINT outbox_messages_pkey TO pk_outbox_messages;
        ALTER TABLE reservation_replicas RENAME CONSTRAINT reservation_replicas_node_name_fkey TO fk_reservation_replicas_nodes_node_name;
        ALTER TABLE reservation_replicas RENAME CONSTRAINT reservation_replicas_reservation_id_fkey TO fk_reservation_replicas_reservations_reservation_id;
        ALTER TABLE reservation_replicas RENAME CONSTRAINT reservation_replicas_pkey TO pk_reservation_replicas;
        ALTER TABLE reservations RENAME CONSTRAINT reservations_compute_name_fkey TO fk_reservations_compute_targets_compute_name;
        ALTER TABLE reservations RENAME CONSTRAINT reservations_pkey TO pk_reservations;
        -- EF writes a decimal default as 0.0.
        ALTER TABLE nodes ALTER COLUMN in_use_cpu_cores SET DEFAULT 0.0;
        ALTER TABLE nodes ALTER COLUMN in_use_memory_gb SET DEFAULT 0.0;
        """;
}
