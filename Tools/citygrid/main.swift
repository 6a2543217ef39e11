print("citygrid")
