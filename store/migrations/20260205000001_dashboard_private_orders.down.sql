DROP INDEX IF EXISTS private_orders_ordered_idx;
