-- Admit one more action in a fixed window, or refuse, in one atomic step.
-- KEYS[1] the window's counter  ARGV[1] limit  ARGV[2] window (ms)
-- Returns {1} admitted (counted), {0, ms until the window ends} refused (nothing counted).
--! include fixed_window
return admit(KEYS[1], ARGV[1], ARGV[2])
