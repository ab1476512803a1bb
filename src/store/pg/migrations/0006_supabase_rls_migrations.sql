-- Supabase: the migrations table gets row-level security too (0004 covered only the data
-- tables). Supabase grants the API roles access to new tables in `public`, so without it
-- anyone with the anon key could delete rows here and make the next start-up re-run 0001 and
-- fail. No read policy: like the checkpoints, it is the server's business. Plain PostgreSQL
-- (no `auth` schema) is left alone.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'auth') THEN
        RETURN;
    END IF;
    ALTER TABLE quflx_schema_migrations ENABLE ROW LEVEL SECURITY;
    EXECUTE format('CREATE POLICY quflx_server_writes ON quflx_schema_migrations FOR ALL TO %I'
                   ' USING (true) WITH CHECK (true)', current_user);
END
$$;
