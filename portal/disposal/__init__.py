"""Disposal certificates (消去証明, seed 004 第10条): the proof that data was erased beyond recovery."""
