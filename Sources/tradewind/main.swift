print("tradewind")
