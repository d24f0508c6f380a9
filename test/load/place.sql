-- test/load/place.sql: one order of 1 to 3 lines through place_order.
-- 60% of lines go to the 4 hot SKUs.  Refusals the contract allows
-- (BO001 deny, BO002 limit) are caught and reported as NOTICEs; anything
-- else, a deadlock or serialization failure above all, reaches pgbench.
\set n random(1, 3)
\set s1 (case when random(1, 100) <= 60 then random(1, 4) else random(5, 204) end)
\set s2 (case when random(1, 100) <= 60 then random(1, 4) else random(5, 204) end)
\set s3 (case when random(1, 100) <= 60 then random(1, 4) else random(5, 204) end)
\set q1 random(1, 3)
\set q2 random(1, 3)
\set q3 random(1, 3)
\set prio random(0, 2)
DO $$
BEGIN
  PERFORM backorder.place_order('p' || :client_id || '-' || txid_current(),
    (SELECT jsonb_agg(jsonb_build_object('line_no', i,
                                         'sku', 'LD-' || (ARRAY[:s1, :s2, :s3])[i],
                                         'quantity', (ARRAY[:q1, :q2, :q3])[i],
                                         'priority', :prio))
       FROM generate_series(1, :n) i));
EXCEPTION WHEN SQLSTATE 'BO001' OR SQLSTATE 'BO002' THEN
  RAISE NOTICE 'load business error %', SQLSTATE;
END
$$;
