-- The dashboard's business done reads private orders by the day they were ordered (its window), latest first.
CREATE INDEX private_orders_ordered_idx ON private_orders (ordered_on, id);
