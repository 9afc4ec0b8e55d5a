DROP FUNCTION IF EXISTS move_balances(bigint[], bigint[]);
