-- move_balances moves several account balances in one round trip, in the order given (the caller sorts them in
-- the ledger's lock order, so two transactions never deadlock). A debit only happens if the balance stays at or
-- above the account's floor; at the first one that would not, nothing more is moved and its 1-based position is
-- returned, and the caller rolls the whole transaction back. 0 means every move was applied.
-- A rush of confirmations serialises on the session's envelope rows: one statement instead of one per account
-- keeps those rows locked for one round trip less per account.
CREATE FUNCTION move_balances(account_ids bigint[], amounts bigint[]) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(account_ids) IS DISTINCT FROM cardinality(amounts) THEN
        RAISE EXCEPTION 'move_balances: % accounts but % amounts', cardinality(account_ids), cardinality(amounts);
    END IF;
    FOR i IN 1 .. coalesce(cardinality(account_ids), 0) LOOP
        UPDATE accounts SET balance = balance + amounts[i]
         WHERE id = account_ids[i] AND (floor IS NULL OR balance + amounts[i] >= floor);
        IF NOT FOUND THEN
            RETURN i;
        END IF;
    END LOOP;
    RETURN 0;
END
$$;
