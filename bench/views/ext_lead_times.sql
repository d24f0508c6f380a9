SELECT * FROM backorder.lead_times;
