"""Booking a visit to a 创业服务窗口: windows, opening calendar, slots, booking, check-in at the desk."""
